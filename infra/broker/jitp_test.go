package broker

import (
	"crypto/x509"
	"maps"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
)

// jitpTemplate is a JITP template as AWS IoT's documentation writes them:
// the thing named by the certificate's CN, the certificate ACTIVE, the
// fleet's agent policy attached.
const jitpTemplate = `{
  "Parameters": {
    "AWS::IoT::Certificate::CommonName": {"Type": "String"},
    "AWS::IoT::Certificate::Id": {"Type": "String"},
    "AWS::IoT::Certificate::Country": {"Type": "String", "Default": "ZZ"}
  },
  "Resources": {
    "thing": {
      "Type": "AWS::IoT::Thing",
      "OverrideSettings": {"AttributePayload": "MERGE"},
      "Properties": {
        "ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"},
        "AttributePayload": {"fleet": "f1", "country": {"Ref": "AWS::IoT::Certificate::Country"},
                             "label": {"Fn::Join": ["-", ["jitp", {"Ref": "AWS::IoT::Certificate::CommonName"}]]}}
      }
    },
    "certificate": {
      "Type": "AWS::IoT::Certificate",
      "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}
    },
    "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "f1-agent"}}
  }
}`

func testLeaf(t *testing.T, cn string) (leaf, ca *x509.Certificate) {
	t.Helper()
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	shard, err := auth.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := shard.Leaf(cn)
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf, shard.Cert
}

func TestPlanProvisioningFromTemplate(t *testing.T) {
	leaf, _ := testLeaf(t, "agent-000042")
	id := CertificateID(leaf.Raw)
	p, err := planProvisioning(jitpTemplate, leaf, id)
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs := map[string]string{"fleet": "f1", "country": "ZZ", "label": "jitp-agent-000042"}
	if p.status != StatusActive || p.thing != "agent-000042" || p.policy != "f1-agent" || !maps.Equal(p.attributes, wantAttrs) {
		t.Fatalf("plan = %+v, want thing agent-000042 with %v, ACTIVE, policy f1-agent", p, wantAttrs)
	}
}

func TestPlanProvisioningRefusesWhatItDoesNotUnderstand(t *testing.T) {
	leaf, _ := testLeaf(t, "agent-000042")
	id := CertificateID(leaf.Raw)
	tests := []struct {
		name, from, to, want string
	}{
		{"inline policy document", `"PolicyName": "f1-agent"`, `"PolicyDocument": "{}"`, "only PolicyName"},
		{"other resource type", `"Type": "AWS::IoT::Policy"`, `"Type": "AWS::IoT::ThingGroup"`, `type "AWS::IoT::ThingGroup"`},
		{"thing type", `"ThingName":`, `"ThingTypeName": "printer", "ThingName":`, "ThingName, AttributePayload"},
		{"another certificate's ID", `"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}`, `"CertificateId": "abc"`, "not the connecting certificate's ID"},
		{"status", `"Status": "ACTIVE"`, `"Status": "REVOKED"`, `Status "REVOKED"`},
		{"no status", `, "Status": "ACTIVE"`, ``, "Status: missing"},
		{"undeclared parameter", `"ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"}`, `"ThingName": {"Ref": "AWS::IoT::Certificate::Organization"}`, "not a declared parameter"},
		{"parameter without value", `"AWS::IoT::Certificate::Country": {"Type": "String", "Default": "ZZ"}`, `"AWS::IoT::Certificate::Country": {"Type": "String"}`, "no value from the certificate"},
		{"other function", `{"Fn::Join": ["-", ["jitp", {"Ref": "AWS::IoT::Certificate::CommonName"}]]}`, `{"Fn::Sub": "x"}`, "only Ref and Fn::Join"},
		{"no certificate", `"certificate": {
      "Type": "AWS::IoT::Certificate",
      "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}
    },`, ``, "one AWS::IoT::Certificate is required"},
		{"two policies", `"policy": {`, `"policy0": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "x"}}, "policy": {`, "more than one of type AWS::IoT::Policy"},
		{"not JSON", `"Resources"`, `Resources`, "template:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(jitpTemplate, tt.from, tt.to, 1)
			if doc == jitpTemplate {
				t.Fatalf("test edit %q not found in the template", tt.from)
			}
			_, err := planProvisioning(doc, leaf, id)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
