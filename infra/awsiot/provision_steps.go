package awsiot

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// fleetTags are the tags of every policy and CA mqherd registers.
func fleetTags(fleet string) []types.Tag {
	return []types.Tag{{Key: aws.String(FleetTagKey), Value: aws.String(fleet)}}
}

// policies creates the fleet's two policies. One that exists with another
// document is left alone, with a note.
func (p *provisioner) policies(ctx context.Context) error {
	for name, doc := range map[string]string{AgentPolicyName(p.cfg.Fleet): AgentPolicy(), ServicePolicyName(p.cfg.Fleet): ServicePolicy()} {
		err := p.call(ctx, "CreatePolicy", func(ctx context.Context) error {
			_, err := p.a.iot.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name),
				PolicyDocument: aws.String(doc), Tags: fleetTags(p.cfg.Fleet)})
			return err
		})
		if err == nil || isCode(err, codeExists) {
			p.sum.add(err != nil, policies)
			p.cp.update(func(f *checkpointFile) { addOnce(&f.Policies, name) })
		}
		if isCode(err, codeExists) {
			err = p.comparePolicy(ctx, name, doc)
		}
		if err != nil {
			return p.a.fatal("CreatePolicy "+name, err)
		}
	}
	return nil
}

// comparePolicy notes when an existing policy's document is not mqherd's.
func (p *provisioner) comparePolicy(ctx context.Context, name, want string) error {
	var got string
	err := p.call(ctx, "GetPolicy", func(ctx context.Context) error {
		out, err := p.a.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
		if err == nil {
			got = aws.ToString(out.PolicyDocument)
		}
		return err
	})
	if err == nil && !sameJSON(got, want) {
		p.sum.note("policy %s exists with another document and was left as it is; compare it with `mqherd aws policy`, "+
			"or tear the fleet down and provision it again", name)
	}
	return err
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var va, vb any
	return json.Unmarshal([]byte(a), &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
}

func addOnce(list *[]string, s string) {
	for _, x := range *list {
		if x == s {
			return
		}
	}
	*list = append(*list, s)
}

// provisionOne registers one identity and records the outcome.
func (p *provisioner) provisionOne(ctx context.Context, id identity) {
	if ctx.Err() != nil {
		return
	}
	p.cp.start(id)
	err := p.steps(ctx, id)
	switch {
	case err != nil && stopped(ctx, err):
		p.cp.finish(id, false)
		return
	case err != nil && isFatal(err):
		p.cp.finish(id, false)
		p.fatal(p.a.fatal(opOf(err)+" "+id.name, err))
		return
	case err != nil:
		p.cp.finish(id, false)
		p.sum.fail(failureOf(id.name, err))
	default:
		p.cp.finish(id, true)
	}
	p.sum.mu.Lock()
	p.sum.Pending--
	p.sum.mu.Unlock()
	if p.prog != nil {
		p.prog.Add(1)
	}
}

// steps are one identity's calls, in the order AWS needs them: the thing
// and the certificate, then the attachments that name both.
func (p *provisioner) steps(ctx context.Context, id identity) error {
	m, err := p.mint.mint(id)
	if err != nil {
		p.fatal(err) // the PKI is unreadable: every identity would fail
		return errStopped
	}
	if err := p.createThing(ctx, id); err != nil {
		return err
	}
	arn, err := p.registerCertificate(ctx, m)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errStopped
	}
	err = p.call(ctx, "AttachPolicy", func(ctx context.Context) error {
		_, err := p.a.iot.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(id.policyName(p.cfg.Fleet)), Target: aws.String(arn)})
		return err
	})
	if err != nil {
		return err
	}
	p.sum.add(false, policyAttachments)
	err = p.call(ctx, "AttachThingPrincipal", func(ctx context.Context) error {
		_, err := p.a.iot.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(id.name), Principal: aws.String(arn)})
		return err
	})
	if err == nil {
		p.sum.add(false, thingAttachments)
	}
	return err
}

// createThing creates the identity's thing with the fleet attribute. A
// thing of that name with other attributes (another fleet's, or not
// mqherd's) is a failure, not "done".
func (p *provisioner) createThing(ctx context.Context, id identity) error {
	err := p.call(ctx, "CreateThing", func(ctx context.Context) error {
		_, err := p.a.iot.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(id.name),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{FleetAttribute: p.cfg.Fleet}}})
		return err
	})
	if !isCode(err, codeExists) {
		if err == nil {
			p.sum.add(false, things)
		}
		return err
	}
	var owner string
	err = p.call(ctx, "DescribeThing", func(ctx context.Context) error {
		out, err := p.a.iot.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(id.name)})
		if err == nil {
			owner = out.Attributes[FleetAttribute]
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case owner != p.cfg.Fleet:
		return &callError{op: "CreateThing", err: &foreignError{"a thing " + id.name + " exists with " + FleetAttribute + "=" +
			owner + ", not " + p.cfg.Fleet + ": it is not this fleet's (use another account or region, or another PKI)"}}
	}
	p.sum.add(true, things)
	return nil
}

// registerCertificate registers the identity's certificate ACTIVE (under
// its shard CA, or without a CA) and returns its ARN. One that exists is
// done, and made ACTIVE again if an interrupted teardown left it INACTIVE.
func (p *provisioner) registerCertificate(ctx context.Context, m minted) (string, error) {
	op := "RegisterCertificate"
	if p.cfg.CAMode == CANone && p.cfg.Mode == ModeRegister {
		op = "RegisterCertificateWithoutCA"
	}
	var arn string
	err := p.call(ctx, op, func(ctx context.Context) error {
		var err error
		if op == "RegisterCertificate" {
			var out *iot.RegisterCertificateOutput
			out, err = p.a.iot.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(m.certPEM),
				CaCertificatePem: aws.String(m.caPEM), Status: types.CertificateStatusActive})
			if err == nil {
				arn = aws.ToString(out.CertificateArn)
			}
		} else {
			var out *iot.RegisterCertificateWithoutCAOutput
			out, err = p.a.iot.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{
				CertificatePem: aws.String(m.certPEM), Status: types.CertificateStatusActive})
			if err == nil {
				arn = aws.ToString(out.CertificateArn)
			}
		}
		return err
	})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		if err == nil {
			p.sum.add(false, certificates)
		}
		return arn, err
	}
	p.sum.add(true, certificates)
	certID := m.certID
	if exists.ResourceId != nil { // moto without use_valid_cert has other IDs: take the one it names
		certID = *exists.ResourceId
	}
	return p.activate(ctx, certID)
}

// activate makes an existing certificate ACTIVE and returns its ARN.
func (p *provisioner) activate(ctx context.Context, certID string) (string, error) {
	var d *types.CertificateDescription
	err := p.call(ctx, "DescribeCertificate", func(ctx context.Context) error {
		out, err := p.a.iot.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certID)})
		if err == nil {
			d = out.CertificateDescription
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if d.Status == types.CertificateStatusActive {
		return aws.ToString(d.CertificateArn), nil
	}
	err = p.call(ctx, "UpdateCertificate", func(ctx context.Context) error {
		_, err := p.a.iot.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(certID),
			NewStatus: types.CertificateStatusActive})
		return err
	})
	return aws.ToString(d.CertificateArn), err
}
