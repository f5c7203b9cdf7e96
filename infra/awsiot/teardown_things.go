package awsiot

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/pki"
)

// things tears down every thing with the fleet attribute and its
// certificates.
func (t *teardown) things(ctx context.Context) error {
	var names []string
	p := iot.NewListThingsPaginator(t.a.iot, &iot.ListThingsInput{AttributeName: aws.String(FleetAttribute),
		AttributeValue: aws.String(t.cfg.Fleet), MaxResults: aws.Int32(250)})
	for p.HasMorePages() {
		var out *iot.ListThingsOutput
		err := t.call(ctx, "ListThings", func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return t.a.fatal("ListThings", err)
		}
		for _, th := range out.Things {
			names = append(names, aws.ToString(th.ThingName))
		}
	}
	t.saw(len(names))
	var prog *pki.Progress
	if t.cfg.Progress != nil && len(names) > 0 {
		prog = pki.NewProgress(t.cfg.Progress, "tearing down "+t.cfg.Fleet, len(names))
		defer prog.Done()
	}
	items := func(yield func(string) bool) {
		for _, n := range names {
			if !yield(n) {
				return
			}
		}
	}
	forEach(ctx, t.cfg.Concurrency, items, func(name string) {
		if err := t.thing(ctx, name); err != nil {
			t.failOrStop(ctx, name, err)
		}
		if prog != nil {
			prog.Add(1)
		}
	})
	return nil
}

// policiesOf returns the fleet policies a thing's certificate may carry.
func (t *teardown) policiesOf(name string) []string {
	switch {
	case pki.IsAgent(name):
		return []string{AgentPolicyName(t.cfg.Fleet)}
	case pki.IsService(name):
		return []string{ServicePolicyName(t.cfg.Fleet)}
	}
	return []string{AgentPolicyName(t.cfg.Fleet), ServicePolicyName(t.cfg.Fleet)}
}

// thing deletes one thing after its certificates.
func (t *teardown) thing(ctx context.Context, name string) error {
	var principals []string
	err := t.call(ctx, "ListThingPrincipals", func(ctx context.Context) error {
		out, err := t.a.iot.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String(name)})
		if err == nil {
			principals = out.Principals
		}
		return err
	})
	if isCode(err, codeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, arn := range principals {
		if err := t.certificate(ctx, arn, t.policiesOf(name), name); err != nil {
			return err
		}
	}
	err = t.retryConflict(ctx, codeInvalid, func() error {
		return t.call(ctx, "DeleteThing", func(ctx context.Context) error {
			_, err := t.a.iot.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String(name)})
			return gone(err)
		})
	})
	if err == nil {
		t.sum.add(things)
	}
	return err
}

// certificate detaches a certificate from the fleet's policies and from
// thing (if any), deactivates and deletes it.
func (t *teardown) certificate(ctx context.Context, arn string, policies []string, thing string) error {
	for _, policy := range policies {
		err := t.call(ctx, "DetachPolicy", func(ctx context.Context) error {
			_, err := t.a.iot.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(policy), Target: aws.String(arn)})
			return err
		})
		if err == nil {
			t.sum.add(policyAttachments)
		} else if err = gone(err); err != nil {
			return err
		}
	}
	if thing != "" {
		err := t.call(ctx, "DetachThingPrincipal", func(ctx context.Context) error {
			_, err := t.a.iot.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String(thing), Principal: aws.String(arn)})
			return err
		})
		if err == nil {
			t.sum.add(thingAttachments)
		} else if err = gone(err); err != nil {
			return err
		}
	}
	return t.deleteCertificate(ctx, certIDOf(arn))
}

// deleteCertificate deactivates and deletes a certificate, never forced:
// one still attached to something outside the fleet fails.
func (t *teardown) deleteCertificate(ctx context.Context, id string) error {
	err := t.call(ctx, "UpdateCertificate", func(ctx context.Context) error {
		_, err := t.a.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id),
			NewStatus: types.CertificateStatusInactive})
		return err
	})
	if isCode(err, codeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = t.retryConflict(ctx, codeDeleteConflict, func() error {
		return t.call(ctx, "DeleteCertificate", func(ctx context.Context) error {
			_, err := t.a.iot.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
			return gone(err)
		})
	})
	if err == nil {
		t.sum.add(certificates)
	}
	return err
}

// leftovers deletes the fleet's certificates that no thing holds: those
// still attached to its policies, and those of identities the checkpoint
// has as partial (registered, perhaps, before the run stopped).
func (t *teardown) leftovers(ctx context.Context) error {
	for _, policy := range []string{AgentPolicyName(t.cfg.Fleet), ServicePolicyName(t.cfg.Fleet)} {
		arns, err := listTargets(ctx, &t.session, policy)
		if err != nil {
			return err
		}
		t.saw(len(arns))
		for _, arn := range arns {
			if err := t.certificate(ctx, arn, []string{policy}, ""); err != nil {
				t.failOrStop(ctx, "certificate "+certIDOf(arn), err)
			}
		}
	}
	partial := read(t.cp, func(f *checkpointFile) []string { return append([]string(nil), f.Partial...) })
	m := newMinter(t.auth, t.cfg.ShardSize)
	for _, name := range partial {
		if err := t.partial(ctx, m, name); err != nil {
			t.failOrStop(ctx, name, err)
		}
	}
	return nil
}

// partial deletes the certificate of a half-provisioned identity, if AWS
// has it.
func (t *teardown) partial(ctx context.Context, m *minter, name string) error {
	id := serviceIdentity(name)
	if n, ok := pki.AgentNumber(name); ok {
		id = agentIdentity(n)
	}
	issuer, err := pki.IssuerOf(name, t.cfg.ShardSize)
	if err != nil || !t.auth.HasIssuer(issuer) {
		return nil //nolint:nilerr // a name the PKI cannot mint was never registered
	}
	mt, err := m.mint(id)
	if err != nil {
		return err
	}
	var arn string
	err = t.call(ctx, "DescribeCertificate", func(ctx context.Context) error {
		out, err := t.a.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(mt.certID)})
		if err == nil {
			arn = aws.ToString(out.CertificateDescription.CertificateArn)
		}
		return err
	})
	if isCode(err, codeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t.saw(1)
	return t.certificate(ctx, arn, t.policiesOf(name), "")
}
