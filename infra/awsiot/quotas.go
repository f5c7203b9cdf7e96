package awsiot

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
)

// QuotaService is AWS IoT Core's service code in Service Quotas.
const QuotaService = "iotcore"

// quotaSpec is one AWS IoT Core quota a run can exceed.
type quotaSpec struct {
	names    []string // QuotaName in Service Quotas; the first is the one mqherd reports
	fallback float64  // AWS's documented default
	unit     string
}

// The quotas a run is checked against. Their quota codes are not written
// here: they could not be confirmed from AWS's documentation when this was
// written, so mqherd finds them by name with ListServiceQuotas (and
// PreflightConfig.QuotaCodes can give them). The defaults are the AWS IoT
// Developer Guide's message broker limits (500 connects/s, 500,000
// connections, 20,000 inbound publishes/s per account; AWS has since
// raised the connect default in several regions, so 500 is the cautious
// reading).
var (
	connectQuota     = quotaSpec{[]string{"Connect requests per second per account"}, 500, "/s"}
	connectionsQuota = quotaSpec{[]string{"Maximum concurrent client connections per account"}, 500_000, ""}
	publishQuota     = quotaSpec{[]string{"Publish requests per second per account",
		"Inbound publish requests per second per account"}, 20_000, "/s"}
)

// QuotaCheck is one quota of the account against what a run needs.
type QuotaCheck struct {
	Name    string  // the quota's name in Service Quotas
	Code    string  // its quota code; "" when unknown
	Value   float64 // the account's applied value, or AWS's documented default when Default
	Default bool    // Value is AWS's documented default, not read from the account (see Reason)
	Reason  string  // why the account's value could not be read
	Need    float64 // what the run needs
	Unit    string  // "/s" for rates
}

// Exceeded reports whether the run needs more than the quota allows.
func (q QuotaCheck) Exceeded() bool { return q.Need > q.Value }

func (q QuotaCheck) String() string {
	src := "this account's value"
	if q.Default {
		src = "AWS's documented default (" + q.Reason + ")"
	}
	code := q.Code
	if code == "" {
		code = "code unknown"
	}
	return fmt.Sprintf("%s (%s): %s%s, %s; the run needs %s%s", q.Name, code, number(q.Value), q.Unit, src, number(q.Need), q.Unit)
}

// number formats a count or rate without needless decimals.
func number(v float64) string {
	if v == float64(int64(v)) {
		return thousandsOf(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

func thousandsOf(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// quotaCodes finds the codes of AWS IoT Core's quotas by name
// (ListServiceQuotas), or returns why it could not.
func (a *Account) quotaCodes(ctx context.Context) (map[string]string, error) {
	codes := map[string]string{}
	p := servicequotas.NewListServiceQuotasPaginator(a.quotas, &servicequotas.ListServiceQuotasInput{
		ServiceCode: aws.String(QuotaService), MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, q := range out.Quotas {
			codes[aws.ToString(q.QuotaName)] = aws.ToString(q.QuotaCode)
		}
	}
	return codes, nil
}

// quota reads one quota's applied value with GetServiceQuota; known maps
// quota names to codes. When the value cannot be read, the check carries
// AWS's documented default and says why.
func (a *Account) quota(ctx context.Context, spec quotaSpec, known map[string]string, lookupErr error, need float64) QuotaCheck {
	q := QuotaCheck{Name: spec.names[0], Need: need, Unit: spec.unit, Value: spec.fallback, Default: true}
	for _, name := range spec.names {
		if code := known[name]; code != "" {
			q.Name, q.Code = name, code
			break
		}
	}
	if q.Code == "" {
		q.Reason = "its quota code is unknown"
		if lookupErr != nil {
			q.Reason += ": ListServiceQuotas failed: " + brief(lookupErr)
		}
		return q
	}
	out, err := a.quotas.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(QuotaService),
		QuotaCode: aws.String(q.Code)})
	if err != nil || out.Quota == nil || out.Quota.Value == nil {
		q.Reason = "GetServiceQuota failed"
		if err != nil {
			q.Reason += ": " + brief(err)
		}
		return q
	}
	q.Value, q.Default = *out.Quota.Value, false
	return q
}
