package awsiot

import (
	"encoding/json"
)

// JITPTemplate is the just-in-time provisioning template mqherd puts in the
// registrationConfig.templateBody of each shard CA in ModeJITP (AWS IoT's
// JITP template format; moto stores it there too, having no provisioning
// templates). On an agent's first connect with a certificate signed by
// that CA, AWS IoT creates the thing named by the certificate's CN with
// the fleet attribute, activates the certificate, attaches it to the thing
// and attaches the fleet's agent policy; the connect itself is dropped and
// the agent must come back.
//
// The CA's roleArn (--jitp-role-arn) names a role that trusts
// iot.amazonaws.com and carries the AWS managed policy
// AWSIoTThingsRegistration (iot:CreateThing, iot:AttachPolicy,
// iot:AttachThingPrincipal, iot:UpdateCertificate and the rest of
// registration).
func JITPTemplate(fleet string) string {
	ref := func(p string) map[string]string { return map[string]string{"Ref": p} }
	t := map[string]any{
		"Parameters": map[string]any{
			"AWS::IoT::Certificate::CommonName": map[string]string{"Type": "String"},
			"AWS::IoT::Certificate::Id":         map[string]string{"Type": "String"},
		},
		"Resources": map[string]any{
			"thing": map[string]any{
				"Type": "AWS::IoT::Thing",
				"Properties": map[string]any{
					"ThingName":        ref("AWS::IoT::Certificate::CommonName"),
					"AttributePayload": map[string]string{FleetAttribute: fleet},
				},
				"OverrideSettings": map[string]string{"AttributePayload": "MERGE"},
			},
			"certificate": map[string]any{
				"Type": "AWS::IoT::Certificate",
				"Properties": map[string]any{
					"CertificateId": ref("AWS::IoT::Certificate::Id"),
					"Status":        "ACTIVE",
				},
			},
			"policy": map[string]any{
				"Type":       "AWS::IoT::Policy",
				"Properties": map[string]string{"PolicyName": AgentPolicyName(fleet)},
			},
		},
	}
	b, err := json.Marshal(t) // map keys sorted: the same bytes every time
	if err != nil {
		panic(err) // a static template always encodes
	}
	return string(b)
}
