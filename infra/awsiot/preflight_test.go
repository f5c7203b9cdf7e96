package awsiot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/awsfake"
	"github.com/mqherd/mqherd/scenarios"
)

// setQuotas gives the fake the three quotas a run is checked against.
func (fx *fixture) setQuotas(connect, connections, publish float64) {
	fx.quotas.Set(
		awsfake.Quota{ServiceCode: "iotcore", QuotaCode: "L-TESTCONN", QuotaName: "Connect requests per second per account", Value: connect},
		awsfake.Quota{ServiceCode: "iotcore", QuotaCode: "L-TESTCNX", QuotaName: "Maximum concurrent client connections per account", Value: connections},
		awsfake.Quota{ServiceCode: "iotcore", QuotaCode: "L-TESTPUB", QuotaName: "Publish requests per second per account", Value: publish},
		awsfake.Quota{ServiceCode: "iotcore", QuotaCode: "L-OTHER", QuotaName: "Subscriptions per account", Value: 1})
}

// provisionedForRun provisions 20 agents and returns a scenario of 20
// agents (connect rate 500/s, the default).
func provisionedForRun(t *testing.T, fx *fixture) (*scenarios.Scenario, PreflightConfig) {
	t.Helper()
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(20)); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Builtin("print-fleet")
	if err != nil {
		t.Fatal(err)
	}
	sc.Agents = 20
	return sc, PreflightConfig{Status: fx.statusConfig(20)}
}

func TestPreflightRefusesARunOverAQuota(t *testing.T) {
	fx := newFixture(t)
	fx.setQuotas(100, 500_000, 20_000)
	sc, cfg := provisionedForRun(t, fx)
	need := NeedsOf(sc, 4)
	if need.ConnectRate != 500 || need.Connections != 24 || need.PublishRate <= 0 {
		t.Fatalf("needs %+v", need)
	}
	r, err := Preflight(context.Background(), fx.acct, fx.auth, cfg, need)
	var qe *QuotaError
	if !errors.As(err, &qe) || len(qe.Over) != 1 {
		t.Fatalf("preflight: %v, want a QuotaError for the connect rate alone", err)
	}
	for _, want := range []string{"Connect requests per second per account (L-TESTCONN): 100/s", "the run needs 500/s",
		"servicequotas/home/services/iotcore/quotas",
		"aws service-quotas request-service-quota-increase --service-code iotcore --quota-code L-TESTCONN --desired-value 500 --region us-east-1",
		"--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
	if len(r.Quotas) != 3 || r.Quotas[1].Default || r.Quotas[1].Value != 500_000 {
		t.Errorf("quotas %+v, want the account's three values", r.Quotas)
	}

	cfg.Force = true
	r, err = Preflight(context.Background(), fx.acct, fx.auth, cfg, need)
	if err != nil || !r.Forced {
		t.Fatalf("preflight --force: %v forced=%v, want it to go on", err, r != nil && r.Forced)
	}
}

func TestPreflightFallsBackToDocumentedDefaults(t *testing.T) {
	fx := newFixture(t)
	fx.setQuotas(100, 500_000, 20_000)
	fx.quotas.Deny(true)
	sc, cfg := provisionedForRun(t, fx)
	r, err := Preflight(context.Background(), fx.acct, fx.auth, cfg, NeedsOf(sc, 4))
	if err != nil {
		t.Fatalf("preflight within the documented defaults: %v", err)
	}
	q := r.Quotas[0]
	if !q.Default || q.Value != 500 || !strings.Contains(q.String(), "AWS's documented default") ||
		!strings.Contains(q.String(), "AccessDeniedException") {
		t.Errorf("connect quota %q, want the documented default 500, labelled, with the reason", q)
	}
}

func TestPreflightRefusesAnUnprovisionedFleet(t *testing.T) {
	fx := newFixture(t)
	sc, cfg := provisionedForRun(t, fx)
	cfg.Status.Agents, sc.Agents = 30, 30
	_, err := Preflight(context.Background(), fx.acct, fx.auth, cfg, NeedsOf(sc, 4))
	var np *NotProvisionedError
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "mqherd aws provision --agents 30") ||
		!strings.Contains(err.Error(), "10 missing (agent-000020") {
		t.Fatalf("preflight of 30 agents on a fleet of 20: %v", err)
	}
}
