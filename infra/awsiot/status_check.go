package awsiot

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/pki"
)

// StatusConfig says which fleet Status compares with what the PKI defines.
// Zero fields take the checkpoint's value (what was last provisioned),
// else the provisioning default.
type StatusConfig struct {
	Fleet        string    // default DefaultFleet
	Agents       int       // agents 0..Agents-1; 0: the checkpoint's
	ShardSize    int       // default pki.DefaultShardSize
	ServiceIDs   []string  // nil: brokerconfig.DefaultServiceIDs()
	Mode         Mode      // "": the checkpoint's, else ModeRegister
	CAMode       CAMode    // "": the checkpoint's, else CAShard
	Checkpoint   string    // default <pki>/aws/<region>-<fleet>.json
	Concurrency  int       // calls in flight; default 8
	Rate         float64   // calls per second of every operation; 0: DefaultRates
	SampleThings int       // check the attachments of at most this many things; default 1000
	Progress     io.Writer // progress of the per-thing checks; nil: none
}

// defaultSample bounds the per-thing ListThingPrincipals calls of a status:
// 1,000 take about two minutes at the default pace (8/s).
const defaultSample = 1000

// surveyor is one Status call.
type surveyor struct {
	session
	cfg  StatusConfig
	plan *fleetPlan
	st   *FleetStatus
	// targets maps the certificate IDs attached to the fleet's policies to
	// the policy's name.
	targets map[string]string
	// found holds the things ListThings returned.
	found map[string]bool
}

// Status counts through the AWS IoT API what exists of the fleet against
// what auth's PKI defines: policies, shard CAs, things (ListThings by the
// fleet attribute), certificates (by CA, or as policy targets without
// CAs), policy attachments and thing attachments.
func Status(ctx context.Context, a *Account, auth *pki.Authority, cfg StatusConfig) (*FleetStatus, error) {
	prov := ProvisionConfig{Fleet: cfg.Fleet, ShardSize: cfg.ShardSize, ServiceIDs: cfg.ServiceIDs}.withDefaults()
	cfg.Fleet, cfg.ShardSize, cfg.ServiceIDs = prov.Fleet, prov.ShardSize, prov.ServiceIDs
	if err := CheckFleet(cfg.Fleet); err != nil {
		return nil, err
	}
	cp, err := a.checkpoint(auth, &cfg.Checkpoint, cfg.Fleet)
	if err != nil {
		return nil, err
	}
	cfg = cfg.fromCheckpoint(cp.f)
	if err := a.Probe(ctx, cfg.Fleet); err != nil {
		return nil, err
	}
	plan, err := planFleet(auth, cfg.ShardSize, cfg.Agents, cfg.ServiceIDs, cfg.Mode == ModeJITP)
	if err != nil {
		return nil, err
	}
	s := &surveyor{session: session{a: a, pace: newPacer(cfg.Rate)}, cfg: cfg, plan: plan,
		st: &FleetStatus{Fleet: cfg.Fleet, Region: a.region, Mode: cfg.Mode, CAMode: cfg.CAMode,
			Agents: cfg.Agents, Services: len(cfg.ServiceIDs)}}
	for _, step := range []func(context.Context, *pki.Authority) error{s.policies, s.cas, s.things, s.policyTargets,
		s.certificates, s.policyAttachments, s.thingAttachments} {
		if err := step(ctx, auth); err != nil {
			return nil, err
		}
	}
	return s.st, nil
}

// fromCheckpoint fills the zero fields from what was last provisioned.
func (c StatusConfig) fromCheckpoint(f checkpointFile) StatusConfig {
	if c.Agents == 0 {
		c.Agents = f.Agents
	}
	c.Mode = Mode(cmp(string(c.Mode), string(f.Mode), string(ModeRegister)))
	c.CAMode = CAMode(cmp(string(c.CAMode), string(f.CAMode), string(CAShard)))
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultProvisionConfig().Concurrency
	}
	if c.SampleThings <= 0 {
		c.SampleThings = defaultSample
	}
	return c
}

// cmp returns the first non-empty string.
func cmp(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// usesCAs reports whether the fleet's certificates are registered under
// the shard CAs.
func (c StatusConfig) usesCAs() bool { return c.Mode == ModeJITP || c.CAMode == CAShard }

func (s *surveyor) policies(ctx context.Context, _ *pki.Authority) error {
	for _, name := range []string{AgentPolicyName(s.cfg.Fleet), ServicePolicyName(s.cfg.Fleet)} {
		var doc string
		err := s.call(ctx, "GetPolicy", func(ctx context.Context) error {
			out, err := s.a.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
			if err == nil {
				doc = aws.ToString(out.PolicyDocument)
			}
			return err
		})
		if err != nil && !isCode(err, codeNotFound) {
			return s.a.fatal("GetPolicy", err)
		}
		s.st.Policies.expect(name, err == nil)
		want := AgentPolicy()
		if name == ServicePolicyName(s.cfg.Fleet) {
			want = ServicePolicy()
		}
		if err == nil && !sameJSON(doc, want) {
			s.st.Notes = append(s.st.Notes, "policy "+name+" has another document than mqherd's (mqherd aws policy prints it)")
		}
	}
	return nil
}

// cas checks the shard CAs: registered, ACTIVE, and in ModeJITP with
// auto-registration and the template.
func (s *surveyor) cas(ctx context.Context, auth *pki.Authority) error {
	if !s.cfg.usesCAs() {
		return nil
	}
	for _, i := range issuersFor(s.cfg.Agents, s.cfg.ShardSize, s.cfg.ServiceIDs) {
		name := i.String()
		if !auth.HasIssuer(i) {
			s.st.CAs.expect(name, false)
			continue
		}
		shard, err := auth.Issuer(i)
		if err != nil {
			return err
		}
		d, err := s.describeCA(ctx, certificateID(shard.Cert.Raw))
		if err != nil {
			return s.a.fatal("DescribeCACertificate", err)
		}
		s.st.CAs.expect(name, d != nil)
		if d != nil {
			s.checkCA(i, d)
		}
	}
	return nil
}

// describeCA returns a CA's description, or nil if it is not registered.
func (s *surveyor) describeCA(ctx context.Context, id string) (*iot.DescribeCACertificateOutput, error) {
	var out *iot.DescribeCACertificateOutput
	err := s.call(ctx, "DescribeCACertificate", func(ctx context.Context) error {
		var err error
		out, err = s.a.iot.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(id)})
		return err
	})
	if isCode(err, codeNotFound) {
		return nil, nil
	}
	return out, err
}

func (s *surveyor) checkCA(i pki.Issuer, d *iot.DescribeCACertificateOutput) {
	name := i.String()
	if d.CertificateDescription != nil && d.CertificateDescription.Status != types.CACertificateStatusActive {
		s.st.Notes = append(s.st.Notes, "CA "+name+" is "+string(d.CertificateDescription.Status)+", not ACTIVE")
	}
	template := d.RegistrationConfig != nil && aws.ToString(d.RegistrationConfig.TemplateBody) != ""
	switch {
	case s.cfg.Mode == ModeJITP && !i.IsService() && !template:
		s.st.Notes = append(s.st.Notes, "CA "+name+" has no just-in-time provisioning template")
	case i.IsService() && d.CertificateDescription != nil && d.CertificateDescription.AutoRegistrationStatus == types.AutoRegistrationStatusEnable:
		s.st.Notes = append(s.st.Notes, "CA "+name+" (a worker's print services) provisions just in time: its holder could provision any name; "+
			"mqherd aws provision disables it")
	}
}

// things lists the things with the fleet attribute.
func (s *surveyor) things(ctx context.Context, _ *pki.Authority) error {
	found := map[string]bool{}
	var extra []string
	p := iot.NewListThingsPaginator(s.a.iot, &iot.ListThingsInput{AttributeName: aws.String(FleetAttribute),
		AttributeValue: aws.String(s.cfg.Fleet), MaxResults: aws.Int32(250)})
	for p.HasMorePages() {
		var out *iot.ListThingsOutput
		err := s.call(ctx, "ListThings", func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return s.a.fatal("ListThings", err)
		}
		for _, t := range out.Things {
			name := aws.ToString(t.ThingName)
			if _, ok := s.plan.byName[name]; ok {
				found[name] = true
			} else {
				extra = append(extra, name)
			}
		}
	}
	s.found = found
	for _, e := range s.plan.list {
		switch {
		case !e.optional:
			s.st.Things.expect(e.id.name, found[e.id.name])
		case found[e.id.name]:
			s.st.OnConnect++
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		s.st.Things.extra(name)
	}
	return nil
}

// policyTargets reads which certificates the fleet's policies are
// attached to.
func (s *surveyor) policyTargets(ctx context.Context, _ *pki.Authority) error {
	s.targets = map[string]string{}
	for _, name := range []string{AgentPolicyName(s.cfg.Fleet), ServicePolicyName(s.cfg.Fleet)} {
		arns, err := listTargets(ctx, &s.session, name)
		if err != nil {
			return err
		}
		for _, arn := range arns {
			s.targets[certIDOf(arn)] = name
		}
	}
	return nil
}

// listTargets lists a policy's targets (none if the policy does not exist).
func listTargets(ctx context.Context, s *session, policy string) ([]string, error) {
	var out []string
	p := iot.NewListTargetsForPolicyPaginator(s.a.iot, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(policy),
		PageSize: aws.Int32(250)})
	for p.HasMorePages() {
		var page *iot.ListTargetsForPolicyOutput
		err := s.call(ctx, "ListTargetsForPolicy", func(ctx context.Context) error {
			var err error
			page, err = p.NextPage(ctx)
			return err
		})
		if isCode(err, codeNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, s.a.fatal("ListTargetsForPolicy", err)
		}
		out = append(out, page.Targets...)
	}
	return out, nil
}

// certIDOf returns the certificate ID at the end of a certificate ARN
// (arn:aws:iot:REGION:ACCOUNT:cert/ID).
func certIDOf(arn string) string {
	if i := strings.LastIndex(arn, "cert/"); i >= 0 {
		return arn[i+len("cert/"):]
	}
	return arn
}

// certificates finds the fleet's certificates: under its shard CAs, or as
// targets of its policies when it registers none.
func (s *surveyor) certificates(ctx context.Context, auth *pki.Authority) error {
	found := map[string]bool{}
	if s.cfg.usesCAs() {
		for _, i := range issuersFor(s.cfg.Agents, s.cfg.ShardSize, s.cfg.ServiceIDs) {
			if !auth.HasIssuer(i) {
				continue
			}
			shard, err := auth.Issuer(i)
			if err != nil {
				return err
			}
			if err := s.listByCA(ctx, certificateID(shard.Cert.Raw), found); err != nil {
				return err
			}
		}
	} else {
		for id := range s.targets {
			found[id] = true
		}
	}
	s.tallyCerts(found, &s.st.Certificates)
	return nil
}

func (s *surveyor) listByCA(ctx context.Context, caID string, found map[string]bool) error {
	p := iot.NewListCertificatesByCAPaginator(s.a.iot, &iot.ListCertificatesByCAInput{CaCertificateId: aws.String(caID),
		PageSize: aws.Int32(250)})
	for p.HasMorePages() {
		var out *iot.ListCertificatesByCAOutput
		err := s.call(ctx, "ListCertificatesByCA", func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if isCode(err, codeNotFound) {
			return nil
		}
		if err != nil {
			return s.a.fatal("ListCertificatesByCA", err)
		}
		for _, c := range out.Certificates {
			found[aws.ToString(c.CertificateId)] = true
		}
	}
	return nil
}

// tallyCerts counts the expected certificates among found; found ones
// nobody expects are extra, optional (JITP) ones neither.
func (s *surveyor) tallyCerts(found map[string]bool, t *Tally) {
	for _, e := range s.plan.list {
		if !e.optional {
			t.expect(e.id.name, e.certID != "" && found[e.certID])
		}
	}
	var extra []string
	for id := range found {
		if _, ok := s.plan.byCert[id]; !ok {
			extra = append(extra, "cert "+id[:min(12, len(id))])
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		t.extra(name)
	}
}

// policyAttachments checks that each certificate has its own policy.
func (s *surveyor) policyAttachments(context.Context, *pki.Authority) error {
	for _, e := range s.plan.list {
		if !e.optional {
			s.st.PolicyAttachments.expect(e.id.name, e.certID != "" && s.targets[e.certID] == e.id.policyName(s.cfg.Fleet))
		}
	}
	var extra []string
	for id := range s.targets {
		if _, ok := s.plan.byCert[id]; !ok {
			extra = append(extra, "cert "+id[:min(12, len(id))])
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		s.st.PolicyAttachments.extra(name)
	}
	return nil
}

// thingAttachments checks, thing by thing (ListThingPrincipals), that each
// present thing has its own certificate attached: all of them, or an
// evenly spread sample of SampleThings. A missing thing's attachment is
// missing without a call.
func (s *surveyor) thingAttachments(ctx context.Context, _ *pki.Authority) error {
	var present []expectation
	for _, e := range s.plan.list {
		switch {
		case e.optional:
		case e.certID != "" && s.found[e.id.name]:
			present = append(present, e)
		default:
			s.st.ThingAttachments.expect(e.id.name, false)
		}
	}
	sample := present
	if len(present) > s.cfg.SampleThings {
		sample = make([]expectation, 0, s.cfg.SampleThings)
		for i := range s.cfg.SampleThings {
			sample = append(sample, present[i*len(present)/s.cfg.SampleThings])
		}
	}
	attached := make([]bool, len(sample))
	var mu sync.Mutex
	var firstErr error
	indexes := func(yield func(int) bool) {
		for i := range sample {
			if !yield(i) {
				return
			}
		}
	}
	var prog *pki.Progress
	if s.cfg.Progress != nil {
		prog = pki.NewProgress(s.cfg.Progress, "checking thing attachments", len(sample))
		defer prog.Done()
	}
	forEach(ctx, s.cfg.Concurrency, indexes, func(i int) {
		ok, err := s.attachedTo(ctx, sample[i])
		mu.Lock()
		defer mu.Unlock()
		attached[i], firstErr = ok, cmpOr(firstErr, err)
		if prog != nil {
			prog.Add(1)
		}
	})
	if err := cmpOr(firstErr, ctx.Err()); err != nil {
		return err
	}
	for i, e := range sample {
		s.st.ThingAttachments.expect(e.id.name, attached[i])
	}
	s.st.Checked = len(sample)
	return nil
}

// attachedTo reports whether e's thing has e's certificate attached.
func (s *surveyor) attachedTo(ctx context.Context, e expectation) (bool, error) {
	var principals []string
	err := s.call(ctx, "ListThingPrincipals", func(ctx context.Context) error {
		out, err := s.a.iot.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String(e.id.name)})
		if err == nil {
			principals = out.Principals
		}
		return err
	})
	if isCode(err, codeNotFound) {
		return false, nil
	}
	if err != nil {
		return false, s.a.fatal("ListThingPrincipals", err)
	}
	return slices.ContainsFunc(principals, func(arn string) bool { return certIDOf(arn) == e.certID }), nil
}
