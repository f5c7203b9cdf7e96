package awsfake

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
)

// parsePEM reads one PEM certificate and returns it with its AWS
// certificate ID, the hex SHA-256 of its DER.
func parsePEM(what, s string) (*x509.Certificate, string, *apiError) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, "", certificateValidation("The " + what + " is not a PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, "", certificateValidation("The " + what + " cannot be parsed: " + err.Error())
	}
	sum := sha256.Sum256(block.Bytes)
	return c, hex.EncodeToString(sum[:]), nil
}

type registerInput struct {
	CertificatePEM   string `json:"certificatePem"`
	CACertificatePEM string `json:"caCertificatePem"`
	Status           string `json:"status"`
}

// registerCertificate registers a device certificate signed by a
// registered CA, checking the signature (moto does not).
func (f *IoT) registerCertificate(r *http.Request) (any, *apiError) {
	var in registerInput
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	leaf, id, e := parsePEM("certificate", in.CertificatePEM)
	if e != nil {
		return nil, e
	}
	caID := ""
	if in.CACertificatePEM != "" {
		var ca *x509.Certificate
		if ca, caID, e = parsePEM("CA certificate", in.CACertificatePEM); e != nil {
			return nil, e
		}
		if f.cas[caID] == nil {
			return nil, certificateValidation("The CA certificate " + caID + " is not registered")
		}
		if err := leaf.CheckSignatureFrom(ca); err != nil {
			return nil, certificateValidation("The certificate is not signed by the CA certificate: " + err.Error())
		}
	}
	return f.addCertificate(id, in, caID, r.URL.Query().Get("setAsActive") == "true")
}

func (f *IoT) registerCertificateWithoutCA(r *http.Request) (any, *apiError) {
	var in registerInput
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	_, id, e := parsePEM("certificate", in.CertificatePEM)
	if e != nil {
		return nil, e
	}
	return f.addCertificate(id, in, "", false)
}

func (f *IoT) addCertificate(id string, in registerInput, caID string, active bool) (any, *apiError) {
	arn := f.arn("cert", id)
	if f.certs[id] != nil {
		return nil, alreadyExists("The certificate is already provisioned or registered", id, arn)
	}
	status := in.Status
	if active {
		status = "ACTIVE"
	}
	if status == "" {
		status = "INACTIVE"
	}
	f.certs[id] = &certificate{id: id, pem: in.CertificatePEM, status: status, caID: caID}
	return map[string]string{"certificateId": id, "certificateArn": arn}, nil
}

func (f *IoT) describeCertificate(r *http.Request) (any, *apiError) {
	c := f.certs[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The certificate " + r.PathValue("certificateId") + " does not exist")
	}
	d := map[string]any{"certificateId": c.id, "certificateArn": f.arn("cert", c.id), "status": c.status,
		"certificatePem": c.pem, "ownedBy": f.account}
	if c.caID != "" {
		d["caCertificateId"] = c.caID
	}
	return map[string]any{"certificateDescription": d}, nil
}

func (f *IoT) updateCertificate(r *http.Request) (any, *apiError) {
	c := f.certs[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The certificate " + r.PathValue("certificateId") + " does not exist")
	}
	switch s := r.URL.Query().Get("newStatus"); s {
	case "ACTIVE", "INACTIVE", "REVOKED":
		c.status = s
	default:
		return nil, invalidRequest("newStatus " + s + " is not one of ACTIVE, INACTIVE, REVOKED")
	}
	return map[string]any{}, nil
}

// deleteCertificate follows AWS: an ACTIVE certificate, or one attached to
// a thing, cannot be deleted; one with policies only with forceDelete,
// which also removes those attachments (moto leaves them dangling).
func (f *IoT) deleteCertificate(r *http.Request) (any, *apiError) {
	c := f.certs[r.PathValue("certificateId")]
	if c == nil {
		return nil, notFound("The certificate " + r.PathValue("certificateId") + " does not exist")
	}
	if c.status == "ACTIVE" {
		return nil, certificateState("Certificate must be deactivated (not ACTIVE) before deletion.")
	}
	arn := f.arn("cert", c.id)
	for a := range f.thingPrincipals {
		if a.to == arn {
			return nil, deleteConflict("Things must be detached before deletion (arn: " + arn + ")")
		}
	}
	force := r.URL.Query().Get("forceDelete") == "true"
	for a := range f.policyTargets {
		if a.to != arn {
			continue
		}
		if !force {
			return nil, deleteConflict("Certificate policies must be detached before deletion (arn: " + arn + ")")
		}
		delete(f.policyTargets, a)
	}
	delete(f.certs, c.id)
	return map[string]any{}, nil
}
