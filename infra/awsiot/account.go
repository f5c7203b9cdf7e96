package awsiot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
)

// Retry is how the SDK's standard retryer treats one call: throttling
// (ThrottlingException), 5xx answers and transport errors are retried with
// exponential back-off and full jitter (base 1 s for throttling, 50 ms
// otherwise, doubling up to MaxBackoff).
type Retry struct {
	MaxAttempts int           // attempts per call, the first included; default 10
	MaxBackoff  time.Duration // longest wait between two attempts; default 20s
}

// DefaultRetry returns the retry settings for AWS: ten attempts ride out
// about two minutes of sustained throttling.
func DefaultRetry() Retry {
	return Retry{
		MaxAttempts: 10,               // the SDK's default is 3: too few for sustained throttling
		MaxBackoff:  20 * time.Second, // the SDK's default
	}
}

// Account is AWS IoT Core (and Service Quotas) in one account and region,
// reached through the SDK with mqherd's retry settings. It is safe for
// concurrent use.
type Account struct {
	iot      *iot.Client
	quotas   *servicequotas.Client
	region   string
	endpoint string // what to name in errors
}

// NewAccount returns the account cfg (from Load) reaches. The retryer's
// client-side retry quota is off: under sustained throttling it would turn
// throttles into hard failures, while mqherd already paces its calls.
func NewAccount(cfg aws.Config, r Retry) *Account {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultRetry().MaxAttempts
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = DefaultRetry().MaxBackoff
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff, o.RateLimiter = r.MaxAttempts, r.MaxBackoff, ratelimit.None
		})
	}
	endpoint := "https://iot." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	return &Account{iot: iot.NewFromConfig(cfg), quotas: servicequotas.NewFromConfig(cfg),
		region: cfg.Region, endpoint: endpoint}
}

// Region returns the account's region.
func (a *Account) Region() string { return a.region }

// Endpoint returns the AWS IoT control-plane endpoint calls go to.
func (a *Account) Endpoint() string { return a.endpoint }

// Probe makes one cheap call (GetPolicy of the fleet's agent policy, with
// at most 3 attempts) so that an unreachable endpoint, an unknown region
// or refused credentials stop a command with one clear error before it
// creates or deletes anything.
func (a *Account) Probe(ctx context.Context, fleet string) error {
	_, err := a.iot.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(AgentPolicyName(fleet))},
		func(o *iot.Options) { o.RetryMaxAttempts = 3 })
	if err == nil || isCode(err, codeNotFound) {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return a.fatal("GetPolicy", err)
}

// fatal describes an error that stops the whole command: the endpoint, the
// region or the credentials are wrong, so every other call would fail the
// same way.
func (a *Account) fatal(op string, err error) error {
	if msg := describeTransport(err, a.region); msg != "" {
		return fmt.Errorf("cannot reach AWS IoT at %s (region %s): %s: %w", a.endpoint, a.region, msg, err)
	}
	if status := notAWS(err); status != 0 {
		return fmt.Errorf("%s at %s (region %s) answered HTTP %d, not an AWS IoT answer (is this endpoint AWS IoT, "+
			"and does it implement %s?): %w", op, a.endpoint, a.region, status, op, err)
	}
	if isCode(err, authCodes...) {
		return fmt.Errorf("AWS IoT at %s (region %s) refused the credentials (%s): check the access key, --profile "+
			"and the IAM permissions for iot:%s: %w", a.endpoint, a.region, errorCode(err), op, err)
	}
	return fmt.Errorf("AWS IoT at %s (region %s): %s: %w", a.endpoint, a.region, op, err)
}
