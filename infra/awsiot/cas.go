package awsiot

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/pki"
)

// registerCAs registers the intermediates the fleet needs (agent shards,
// the workers' service intermediates) as CA
// certificates, ACTIVE, in SNI_ONLY mode: that mode needs no verification
// certificate (no registration-code round trip), lets the same shards be
// registered in several accounts and regions (DEFAULT mode allows one
// account per region), and its only requirement, that devices send SNI, is
// one mqherd always meets (the aws-iot target profile sends it always).
// In ModeJITP each agent shard's CA also gets auto-registration and the
// JITP template; a service intermediate never does (its few certificates
// are registered one by one, and a template would provision whatever name
// its holder signs, agents included). A CA that exists is made ACTIVE (and
// given the template, or none) with UpdateCACertificate.
func (p *provisioner) registerCAs(ctx context.Context) error {
	for _, i := range issuersFor(p.cfg.Agents, p.cfg.ShardSize, p.cfg.ServiceIDs) {
		known := read(p.cp, func(f *checkpointFile) bool { _, ok := f.ca(i); return ok })
		if known && p.cfg.Mode == ModeRegister {
			continue
		}
		if err := p.registerCA(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

func (p *provisioner) registerCA(ctx context.Context, i pki.Issuer) error {
	shard, err := p.auth.Issuer(i)
	if err != nil {
		return err
	}
	in := &iot.RegisterCACertificateInput{CaCertificate: aws.String(pemOf(shard.Cert.Raw)), SetAsActive: true,
		CertificateMode: types.CertificateModeSniOnly, Tags: fleetTags(p.cfg.Fleet)}
	jitp := p.jitpCA(i)
	if jitp {
		in.AllowAutoRegistration, in.RegistrationConfig = true, p.registration()
	}
	id := certificateID(shard.Cert.Raw)
	err = p.call(ctx, "RegisterCACertificate", func(ctx context.Context) error {
		out, err := p.a.iot.RegisterCACertificate(ctx, in)
		if err == nil {
			id = aws.ToString(out.CertificateId)
		}
		return err
	})
	var exists *types.ResourceAlreadyExistsException
	switch {
	case err == nil:
		p.sum.add(false, cas)
		p.cp.update(func(f *checkpointFile) { f.setCA(i, caRecord{ID: id, Created: true}) })
		return nil
	case !errors.As(err, &exists):
		return p.a.fatal("RegisterCACertificate "+i.String(), err)
	}
	if exists.ResourceId != nil {
		id = *exists.ResourceId
	}
	p.sum.add(true, cas)
	p.cp.update(func(f *checkpointFile) { old, _ := f.ca(i); f.setCA(i, caRecord{ID: id, Created: old.Created}) })
	if err := p.updateCA(ctx, id, jitp); err != nil {
		return p.a.fatal("UpdateCACertificate "+i.String(), err)
	}
	return nil
}

// jitpCA reports whether CA i provisions just in time: an agent shard in
// ModeJITP.
func (p *provisioner) jitpCA(i pki.Issuer) bool { return p.cfg.Mode == ModeJITP && !i.IsService() }

// updateCA makes an existing CA ACTIVE and, if jitp, sets its
// auto-registration and template (a service intermediate's is disabled).
func (p *provisioner) updateCA(ctx context.Context, id string, jitp bool) error {
	in := &iot.UpdateCACertificateInput{CertificateId: aws.String(id), NewStatus: types.CACertificateStatusActive}
	switch {
	case jitp:
		in.NewAutoRegistrationStatus, in.RegistrationConfig = types.AutoRegistrationStatusEnable, p.registration()
	case p.cfg.Mode == ModeJITP:
		in.NewAutoRegistrationStatus = types.AutoRegistrationStatusDisable
	}
	return p.call(ctx, "UpdateCACertificate", func(ctx context.Context) error {
		_, err := p.a.iot.UpdateCACertificate(ctx, in)
		return err
	})
}

// registration is the CA's just-in-time provisioning configuration.
func (p *provisioner) registration() *types.RegistrationConfig {
	return &types.RegistrationConfig{TemplateBody: aws.String(JITPTemplate(p.cfg.Fleet)), RoleArn: aws.String(p.cfg.JITPRoleARN)}
}
