package broker

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A just-in-time provisioning template (a CA's registrationConfig.templateBody),
// in the subset AWS IoT's JITP examples use:
//
//	{"Parameters": {"AWS::IoT::Certificate::CommonName": {"Type": "String"},
//	                "AWS::IoT::Certificate::Id": {"Type": "String"}},
//	 "Resources": {
//	   "thing": {"Type": "AWS::IoT::Thing", "Properties": {
//	       "ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"},
//	       "AttributePayload": {"fleet": "f1"}}},
//	   "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {
//	       "CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}},
//	   "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "f1-agent"}}}}
//
// Parameters are filled from the certificate (CommonName, Id, SerialNumber,
// Country, Organization, OrganizationalUnit, StateName, Locality) or their
// Default. A value is a string, {"Ref": parameter} or {"Fn::Join": [sep,
// [values]]}. Resources: exactly one certificate (CertificateId must be the
// certificate's ID; Status required), at most one thing (ThingName,
// AttributePayload; OverrideSettings ignored) and at most one policy by
// PolicyName. Anything else (an inline PolicyDocument, thing types or
// groups, other resource types or functions) is refused, naming what.

// provisioning is what a template asks for one certificate.
type provisioning struct {
	status     string            // the certificate's status once registered
	thing      string            // thing to create and attach; "" none
	attributes map[string]string // the thing's attributes
	policy     string            // policy to attach; "" none
}

// Resource types a template may hold.
const (
	resourceThing       = "AWS::IoT::Thing"
	resourceCertificate = "AWS::IoT::Certificate"
	resourcePolicy      = "AWS::IoT::Policy"
)

type rawTemplate struct {
	Parameters map[string]rawParameter `json:"Parameters"`
	Resources  map[string]rawResource  `json:"Resources"`
}

type rawParameter struct {
	Type    string  `json:"Type"`
	Default *string `json:"Default"`
}

type rawResource struct {
	Type             string          `json:"Type"`
	Properties       json.RawMessage `json:"Properties"`
	OverrideSettings json.RawMessage `json:"OverrideSettings"` // what to do with an existing resource; ignored
}

// planProvisioning reads template for the certificate cert (whose ID is id).
func planProvisioning(template string, cert *x509.Certificate, id string) (provisioning, error) {
	var raw rawTemplate
	if err := strictUnmarshal([]byte(template), &raw); err != nil {
		return provisioning{}, fmt.Errorf("template: %w", err)
	}
	params, err := templateParameters(raw.Parameters, cert, id)
	if err != nil {
		return provisioning{}, err
	}
	var p provisioning
	seen := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(raw.Resources)) {
		r := raw.Resources[name]
		seen[r.Type]++
		if seen[r.Type] > 1 {
			return provisioning{}, fmt.Errorf("template: resources: more than one of type %s", r.Type)
		}
		if err := p.add(r, params, id); err != nil {
			return provisioning{}, fmt.Errorf("template: resource %s: %w", name, err)
		}
	}
	if seen[resourceCertificate] != 1 {
		return provisioning{}, errors.New("template: resources: one AWS::IoT::Certificate is required")
	}
	return p, nil
}

// add reads one resource into p.
func (p *provisioning) add(r rawResource, params map[string]string, id string) error {
	switch r.Type {
	case resourceThing:
		var props struct {
			ThingName        json.RawMessage            `json:"ThingName"`
			AttributePayload map[string]json.RawMessage `json:"AttributePayload"`
		}
		if err := strictUnmarshal(r.Properties, &props); err != nil {
			return fmt.Errorf("%s properties (ThingName, AttributePayload): %w", r.Type, err)
		}
		return p.addThing(props.ThingName, props.AttributePayload, params)
	case resourceCertificate:
		var props struct {
			CertificateID json.RawMessage `json:"CertificateId"`
			Status        json.RawMessage `json:"Status"`
		}
		if err := strictUnmarshal(r.Properties, &props); err != nil {
			return fmt.Errorf("%s properties (CertificateId, Status): %w", r.Type, err)
		}
		return p.addCertificate(props.CertificateID, props.Status, params, id)
	case resourcePolicy:
		var props struct {
			PolicyName json.RawMessage `json:"PolicyName"`
		}
		if err := strictUnmarshal(r.Properties, &props); err != nil {
			return fmt.Errorf("%s properties: only PolicyName is supported (an inline PolicyDocument is not): %w", r.Type, err)
		}
		var err error
		p.policy, err = templateValue(props.PolicyName, params)
		return err
	}
	return fmt.Errorf("type %q: only %s, %s and %s are supported", r.Type, resourceThing, resourceCertificate, resourcePolicy)
}

func (p *provisioning) addThing(name json.RawMessage, attrs map[string]json.RawMessage, params map[string]string) error {
	var err error
	if p.thing, err = templateValue(name, params); err != nil {
		return fmt.Errorf("ThingName: %w", err)
	}
	p.attributes = map[string]string{}
	for k, raw := range attrs {
		if p.attributes[k], err = templateValue(raw, params); err != nil {
			return fmt.Errorf("AttributePayload %s: %w", k, err)
		}
	}
	return nil
}

func (p *provisioning) addCertificate(certID, status json.RawMessage, params map[string]string, id string) error {
	got, err := templateValue(certID, params)
	if err != nil {
		return fmt.Errorf("CertificateId: %w", err)
	}
	if got != id {
		return fmt.Errorf("CertificateId %q is not the connecting certificate's ID (use {\"Ref\": \"AWS::IoT::Certificate::Id\"})", got)
	}
	if p.status, err = templateValue(status, params); err != nil {
		return fmt.Errorf("property Status: %w", err)
	}
	switch p.status {
	case StatusActive, StatusInactive, StatusPendingActivation:
		return nil
	}
	return fmt.Errorf("property Status %q: want %s, %s or %s", p.status, StatusActive, StatusInactive, StatusPendingActivation)
}

// templateParameters gives each declared parameter its value: from the
// certificate, else its Default.
func templateParameters(declared map[string]rawParameter, cert *x509.Certificate, id string) (map[string]string, error) {
	fromCert := certificateParameters(cert, id)
	out := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		d := declared[name]
		if d.Type != "" && d.Type != "String" {
			return nil, fmt.Errorf("template: parameter %s: Type %q, only String is supported", name, d.Type)
		}
		v, ok := fromCert[name]
		if (!ok || v == "") && d.Default != nil {
			v, ok = *d.Default, true
		}
		if !ok || v == "" {
			return nil, fmt.Errorf("template: parameter %s: no value from the certificate and no Default", name)
		}
		out[name] = v
	}
	return out, nil
}

// certificateParameters are the values AWS IoT takes from a certificate.
func certificateParameters(cert *x509.Certificate, id string) map[string]string {
	s := cert.Subject
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	const p = "AWS::IoT::Certificate::"
	return map[string]string{
		p + "CommonName": s.CommonName, p + "Id": id, p + "SerialNumber": cert.SerialNumber.String(),
		p + "Country": first(s.Country), p + "Organization": first(s.Organization),
		p + "OrganizationalUnit": first(s.OrganizationalUnit), p + "StateName": first(s.Province),
		p + "Locality": first(s.Locality),
	}
}

// templateValue resolves a value: a string, {"Ref": p} or {"Fn::Join": [sep, [values]]}.
func templateValue(raw json.RawMessage, params map[string]string) (string, error) {
	if len(raw) == 0 {
		return "", errors.New("missing")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var fn map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fn); err != nil || len(fn) != 1 {
		return "", fmt.Errorf("%s: want a string, {\"Ref\": ...} or {\"Fn::Join\": ...}", raw)
	}
	if ref, ok := fn["Ref"]; ok {
		var name string
		if err := json.Unmarshal(ref, &name); err != nil {
			return "", fmt.Errorf("function Ref %s: want a parameter name", ref)
		}
		v, ok := params[name]
		if !ok {
			return "", fmt.Errorf("function Ref %q: not a declared parameter", name)
		}
		return v, nil
	}
	if join, ok := fn["Fn::Join"]; ok {
		return templateJoin(join, params)
	}
	return "", fmt.Errorf("%s: only Ref and Fn::Join are supported", raw)
}

func templateJoin(raw json.RawMessage, params map[string]string) (string, error) {
	var args []json.RawMessage
	var sep string
	var items []json.RawMessage
	if json.Unmarshal(raw, &args) != nil || len(args) != 2 || json.Unmarshal(args[0], &sep) != nil ||
		json.Unmarshal(args[1], &items) != nil {
		return "", fmt.Errorf("Fn::Join %s: want [separator, [values]]", raw)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		v, err := templateValue(it, params)
		if err != nil {
			return "", fmt.Errorf("Fn::Join: %w", err)
		}
		parts[i] = v
	}
	return strings.Join(parts, sep), nil
}
