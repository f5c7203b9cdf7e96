package awsiot

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/scenarios"
)

// Needs is what a run asks of an AWS IoT Core account.
type Needs struct {
	ConnectRate float64 // CONNECTs per second of the ramp (the scenario's run.connect_rate)
	Connections int     // concurrent connections: every agent and print-service client
	PublishRate float64 // inbound publishes per second in the measured phase (its msg/s: jobs and statuses)
}

// NeedsOf computes a scenario's needs: its agents plus services
// print-service clients connected at once, its connect rate, and the
// message rate of its measured phase (the busy hour by default), each
// message one inbound publish.
func NeedsOf(sc *scenarios.Scenario, services int) Needs {
	return Needs{ConnectRate: sc.Run.ConnectRate, Connections: sc.Agents + services,
		PublishRate: sc.Profile(sc.Basis).PhaseMsgsPerSec()}
}

// PreflightConfig says what Preflight checks.
type PreflightConfig struct {
	Status StatusConfig // the fleet the run uses; Status.Agents is the run's agent count; SampleThings default 200
	Force  bool         // go on when the run exceeds a quota (it never skips the provisioning check)
	// QuotaCodes gives quota codes by quota name when the caller may not
	// call ListServiceQuotas; the rest are looked up.
	QuotaCodes map[string]string
}

// preflightSample is how many things' attachments a pre-flight checks:
// about 25 s at the default pace, before a run.
const preflightSample = 200

// PreflightReport is what Preflight found.
type PreflightReport struct {
	Status *FleetStatus
	Quotas []QuotaCheck
	Forced bool // a quota is exceeded and Force went on
}

// Format writes the report for a terminal.
func (r *PreflightReport) Format(w io.Writer) {
	r.Status.Format(w)
	if r.Quotas == nil {
		return // not checked: the fleet is not provisioned
	}
	fmt.Fprintln(w, "quotas (AWS IoT Core, per account and region):")
	for _, q := range r.Quotas {
		mark := "ok  "
		if q.Exceeded() {
			mark = "OVER"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, q)
	}
	if r.Forced {
		fmt.Fprintln(w, "  going on despite the exceeded quota (--force): expect throttled connects or publishes")
	}
}

// Preflight checks before a run against AWS IoT Core that the fleet is
// provisioned for the agents the run uses (Status) and that the run's
// needs fit the account's quotas (Service Quotas, service code iotcore).
// An unprovisioned fleet is a *NotProvisionedError; a run over a quota a
// *QuotaError unless cfg.Force.
func Preflight(ctx context.Context, a *Account, auth *pki.Authority, cfg PreflightConfig, need Needs) (*PreflightReport, error) {
	if cfg.Status.SampleThings <= 0 {
		cfg.Status.SampleThings = preflightSample
	}
	st, err := Status(ctx, a, auth, cfg.Status)
	if err != nil {
		return nil, err
	}
	r := &PreflightReport{Status: st}
	if !st.Complete() {
		return r, &NotProvisionedError{Status: st}
	}
	known, lookupErr := a.quotaCodes(ctx)
	if known == nil {
		known = map[string]string{}
	}
	maps.Copy(known, cfg.QuotaCodes)
	r.Quotas = []QuotaCheck{
		a.quota(ctx, connectQuota, known, lookupErr, need.ConnectRate),
		a.quota(ctx, connectionsQuota, known, lookupErr, float64(need.Connections)),
		a.quota(ctx, publishQuota, known, lookupErr, need.PublishRate),
	}
	var over []QuotaCheck
	for _, q := range r.Quotas {
		if q.Exceeded() {
			over = append(over, q)
		}
	}
	if len(over) > 0 && !cfg.Force {
		return r, &QuotaError{Region: a.region, Over: over}
	}
	r.Forced = len(over) > 0
	return r, nil
}

// NotProvisionedError refuses a run whose fleet lacks identities it uses.
type NotProvisionedError struct{ Status *FleetStatus }

func (e *NotProvisionedError) Error() string {
	s := e.Status
	var problems []string
	for _, r := range []struct {
		name string
		t    Tally
	}{{"policies", s.Policies}, {"CAs", s.CAs}, {"things", s.Things}, {"certificates", s.Certificates},
		{"policy attachments", s.PolicyAttachments}, {"thing attachments", s.ThingAttachments}} {
		if r.t.Missing > 0 {
			problems = append(problems, r.name+" "+r.t.String())
		}
	}
	problems = append(problems, s.Notes...)
	return fmt.Sprintf("fleet %s in %s is not ready for %d agents: %s; run: mqherd aws provision --agents %d --fleet %s --region %s",
		s.Fleet, s.Region, s.Agents, strings.Join(problems, "; "), s.Agents, s.Fleet, s.Region)
}

// QuotaError refuses a run that needs more than the account's quotas.
type QuotaError struct {
	Region string
	Over   []QuotaCheck
}

func (e *QuotaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the run exceeds AWS IoT Core quotas of this account in %s:", e.Region)
	for _, q := range e.Over {
		fmt.Fprintf(&b, "\n%s", q)
	}
	fmt.Fprintf(&b, "\nraise a quota in the Service Quotas console (https://console.aws.amazon.com/servicequotas/home/services/%s/quotas) or with", QuotaService)
	for _, q := range e.Over {
		code := q.Code
		if code == "" {
			code = "CODE (aws service-quotas list-service-quotas --service-code " + QuotaService + " lists them)"
		}
		fmt.Fprintf(&b, "\n  aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %.0f --region %s",
			QuotaService, code, q.Need+0.5, e.Region)
	}
	b.WriteString("\nor lower the scenario's rates or agents; --force runs it anyway")
	return b.String()
}
