package broker

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
)

// provisionJustInTime handles a certificate the registry does not hold.
// As AWS IoT does, the connection is dropped in every case; when the CA
// that signed it (the chain's second certificate, named by the SHA-256 of
// its DER) is registered ACTIVE with auto-registration and a template, the
// certificate is provisioned from the template before the drop, so the
// device's next connect is admitted. Concurrent connects of one certificate
// share one provisioning.
func (e *emulation) provisionJustInTime(ctx context.Context, chain []*x509.Certificate, id string) {
	if len(chain) < 2 {
		e.refuse(id, "not registered, and no CA in the chain", ErrNotFound)
		return
	}
	_, err := e.jitp.get(ctx, id, func() (struct{}, error) {
		return struct{}{}, e.provision(chain[0], chain[1], id)
	})
	if err != nil {
		e.refuse(id, "not registered, nor provisioned just in time", err)
	}
}

// provision applies the template of leaf's CA to leaf. A CA that does not
// provision (unknown, not ACTIVE, no auto-registration) is a refusal like
// any unknown certificate; a template it cannot read is logged once per CA.
func (e *emulation) provision(leaf, caCert *x509.Certificate, id string) error {
	caID := CertificateID(caCert.Raw)
	ca, err := e.cas.get(e.ctx, caID, func() (CA, error) {
		return call(e, func(ctx context.Context) (CA, error) { return e.cfg.Registry.CA(ctx, caID) })
	})
	if errors.Is(err, ErrNotFound) {
		e.logOnce("unknown CA "+caID, "aws emulation: certificates signed by a CA the registry does not hold are refused "+
			"(is the fleet provisioned? a moto server must run with iot use_valid_cert to name certificates as AWS does)",
			"ca", caID, "subject", caCert.Subject.String())
	}
	if err != nil {
		return fmt.Errorf("CA %s: %w", caID, err)
	}
	if ca.Status != StatusActive || !ca.AutoRegistration || ca.TemplateBody == "" {
		return fmt.Errorf("CA %s: status %s, auto-registration %t, template %d bytes: does not provision",
			caID, ca.Status, ca.AutoRegistration, len(ca.TemplateBody))
	}
	if err := leaf.CheckSignatureFrom(caCert); err != nil {
		return fmt.Errorf("CA %s did not sign it: %w", caID, err)
	}
	plan, err := planProvisioning(ca.TemplateBody, leaf, id)
	if err != nil {
		e.stats.provisionFail.Add(1)
		e.logOnce("template "+caID, "aws emulation: just-in-time provisioning template not understood: certificates of this CA are refused",
			"ca", caID, "error", err)
		return err
	}
	cert, err := e.apply(plan, leaf, ca, id)
	if err != nil {
		e.stats.provisionFail.Add(1)
		e.certs.forget(id)
		e.log.Warn("aws emulation: just-in-time provisioning failed", "certificate", id, "cn", leaf.Subject.CommonName, "error", err)
		return err
	}
	e.certs.put(id, cert) // the broker just wrote it: the next connect needs no read
	e.stats.provisioned.Add(1)
	return nil
}

// apply makes what plan asks, in AWS's order: register the certificate
// with its CA, create the thing, attach the policy, attach the thing.
func (e *emulation) apply(plan provisioning, leaf *x509.Certificate, ca CA, id string) (Certificate, error) {
	reg := e.cfg.Registry
	cert, err := call(e, func(ctx context.Context) (Certificate, error) {
		return reg.RegisterCertificate(ctx, certPEM(leaf.Raw), ca.PEM, plan.status)
	})
	if err != nil {
		return Certificate{}, fmt.Errorf("register certificate: %w", err)
	}
	if cert.ID != id {
		return Certificate{}, fmt.Errorf("the registry named the certificate %s, not the SHA-256 of its DER %s "+
			"(moto does so unless started with iot use_valid_cert)", cert.ID, id)
	}
	cert.Status = plan.status
	steps := []struct {
		what string
		do   func(context.Context) error
		skip bool
	}{
		{"create thing " + plan.thing, func(ctx context.Context) error { return reg.CreateThing(ctx, plan.thing, plan.attributes) }, plan.thing == ""},
		{"attach policy " + plan.policy, func(ctx context.Context) error { return reg.AttachPolicy(ctx, plan.policy, cert.ARN) }, plan.policy == ""},
		{"attach thing " + plan.thing, func(ctx context.Context) error { return reg.AttachThing(ctx, plan.thing, cert.ARN) }, plan.thing == ""},
	}
	for _, s := range steps {
		if s.skip {
			continue
		}
		if _, err := call(e, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.do(ctx) }); err != nil {
			return Certificate{}, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	if plan.policy != "" {
		cert.Policies = []string{plan.policy}
	}
	if plan.thing != "" {
		cert.Things = []string{plan.thing}
	}
	return cert, nil
}
