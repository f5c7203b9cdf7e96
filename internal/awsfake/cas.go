package awsfake

import (
	"net/http"
)

type registrationConfig struct {
	TemplateBody string `json:"templateBody,omitempty"`
	RoleARN      string `json:"roleArn,omitempty"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagMap(tags []tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// registerCA registers a CA certificate. Unlike moto it refuses a second
// registration of the same CA, and a DEFAULT-mode one without a
// verification certificate, as AWS does.
func (f *IoT) registerCA(r *http.Request) (any, *apiError) {
	var in struct {
		CACertificate      string             `json:"caCertificate"`
		Verification       string             `json:"verificationCertificate"`
		Mode               string             `json:"certificateMode"`
		RegistrationConfig registrationConfig `json:"registrationConfig"`
		Tags               []tag              `json:"tags"`
	}
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	ca, id, e := parsePEM("CA certificate", in.CACertificate)
	if e != nil {
		return nil, e
	}
	if !ca.IsCA {
		return nil, certificateValidation("The certificate is not a CA certificate")
	}
	if in.Mode == "" {
		in.Mode = "DEFAULT"
	}
	if in.Mode == "DEFAULT" && in.Verification == "" {
		return nil, invalidRequest("A verification certificate is required to register a CA in DEFAULT mode")
	}
	arn := f.arn("cacert", id)
	if f.cas[id] != nil {
		return nil, alreadyExists("The CA certificate is already registered", id, arn)
	}
	q := r.URL.Query()
	c := &caCert{id: id, pem: in.CACertificate, status: "INACTIVE", mode: in.Mode, autoRegistration: "DISABLE",
		templateBody: in.RegistrationConfig.TemplateBody, roleARN: in.RegistrationConfig.RoleARN, tags: tagMap(in.Tags)}
	if q.Get("setAsActive") == "true" {
		c.status = "ACTIVE"
	}
	if q.Get("allowAutoRegistration") == "true" {
		c.autoRegistration = "ENABLE"
	}
	f.cas[id] = c
	return map[string]string{"certificateId": id, "certificateArn": arn}, nil
}

func (f *IoT) describeCA(r *http.Request) (any, *apiError) {
	c := f.cas[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The CA certificate " + r.PathValue("certificateId") + " does not exist")
	}
	return map[string]any{
		"certificateDescription": map[string]any{"certificateId": c.id, "certificateArn": f.arn("cacert", c.id),
			"status": c.status, "certificatePem": c.pem, "certificateMode": c.mode,
			"autoRegistrationStatus": c.autoRegistration, "ownedBy": f.account},
		"registrationConfig": registrationConfig{TemplateBody: c.templateBody, RoleARN: c.roleARN},
	}, nil
}

func (f *IoT) updateCA(r *http.Request) (any, *apiError) {
	c := f.cas[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The CA certificate " + r.PathValue("certificateId") + " does not exist")
	}
	var in struct {
		RegistrationConfig *registrationConfig `json:"registrationConfig"`
		Remove             bool                `json:"removeAutoRegistration"`
	}
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	q := r.URL.Query()
	if s := q.Get("newStatus"); s != "" {
		c.status = s
	}
	if s := q.Get("newAutoRegistrationStatus"); s != "" {
		c.autoRegistration = s
	}
	if in.RegistrationConfig != nil {
		c.templateBody, c.roleARN = in.RegistrationConfig.TemplateBody, in.RegistrationConfig.RoleARN
	}
	if in.Remove {
		c.templateBody, c.roleARN = "", ""
	}
	return map[string]any{}, nil
}

// deleteCA deletes an INACTIVE CA certificate.
func (f *IoT) deleteCA(r *http.Request) (any, *apiError) {
	c := f.cas[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The CA certificate " + r.PathValue("certificateId") + " does not exist")
	}
	if c.status == "ACTIVE" {
		return nil, certificateState("The CA certificate must be deactivated (INACTIVE) before deletion.")
	}
	delete(f.cas, c.id)
	return map[string]any{}, nil
}

func (f *IoT) listCertificatesByCA(r *http.Request) (any, *apiError) {
	caID := r.PathValue("caCertificateId")
	var ids []string
	for id, c := range f.certs {
		if c.caID == caID {
			ids = append(ids, id)
		}
	}
	ids, next := page(ids, r.URL.Query().Get("marker"), queryInt(r, "pageSize"), 25)
	out := make([]map[string]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]string{"certificateId": id, "certificateArn": f.arn("cert", id), "status": f.certs[id].status})
	}
	return map[string]any{"certificates": out, "nextMarker": omitEmpty(next)}, nil
}
