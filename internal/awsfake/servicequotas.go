package awsfake

import (
	"net/http"
	"strings"
	"sync"
)

// Quota is one service quota as Service Quotas reports it.
type Quota struct {
	ServiceCode string  `json:"ServiceCode"` // e.g. iotcore
	QuotaCode   string  `json:"QuotaCode"`   // e.g. L-ABCD1234
	QuotaName   string  `json:"QuotaName"`   // e.g. Connect requests per second per account
	Value       float64 `json:"Value"`       // the applied value
	Adjustable  bool    `json:"Adjustable"`  // whether an increase can be requested
}

// Quotas is a fake Service Quotas endpoint (awsJson1.1, signing name
// servicequotas) serving GetServiceQuota and ListServiceQuotas from the
// quotas a test sets. Serve it with Server.Handle("servicequotas", q). Its
// methods are safe for concurrent use.
type Quotas struct {
	// mu guards the fields below.
	mu     sync.Mutex
	quotas []Quota
	calls  map[string]int
	denied bool
}

// NewQuotas returns a fake holding qs.
func NewQuotas(qs ...Quota) *Quotas {
	return &Quotas{quotas: qs, calls: map[string]int{}}
}

// Set replaces the quotas the fake holds.
func (q *Quotas) Set(qs ...Quota) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.quotas = qs
}

// Deny makes every later call fail with AccessDeniedException (a caller
// without servicequotas:GetServiceQuota), or stops it.
func (q *Quotas) Deny(denied bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.denied = denied
}

// Calls returns how many requests op (e.g. "GetServiceQuota") received.
func (q *Quotas) Calls(op string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls[op]
}

// ServeHTTP answers one Service Quotas request.
func (q *Quotas) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "ServiceQuotasV20190624.")
	var in struct {
		ServiceCode, QuotaCode, NextToken string
		MaxResults                        int
	}
	if e := decode(r, &in); e != nil {
		writeError(w, e)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls[op]++
	if q.denied {
		writeError(w, &apiError{status: http.StatusBadRequest, code: "AccessDeniedException",
			msg: "User is not authorized to perform: servicequotas:" + op})
		return
	}
	switch op {
	case "GetServiceQuota":
		for _, quota := range q.quotas {
			if quota.ServiceCode == in.ServiceCode && quota.QuotaCode == in.QuotaCode {
				writeJSON(w, http.StatusOK, map[string]Quota{"Quota": quota})
				return
			}
		}
		writeError(w, &apiError{status: http.StatusBadRequest, code: "NoSuchResourceException",
			msg: "The request failed because the specified quota " + in.QuotaCode + " does not exist in " + in.ServiceCode})
	case "ListServiceQuotas":
		q.list(w, in.ServiceCode, in.NextToken, in.MaxResults)
	default:
		writeError(w, &apiError{status: http.StatusNotImplemented, code: "NotImplemented",
			msg: "awsfake: Service Quotas " + op + " is not served by this fake"})
	}
}

// list pages through a service's quotas by quota code.
func (q *Quotas) list(w http.ResponseWriter, service, token string, size int) {
	byCode := map[string]Quota{}
	var codes []string
	for _, quota := range q.quotas {
		if quota.ServiceCode == service {
			byCode[quota.QuotaCode] = quota
			codes = append(codes, quota.QuotaCode)
		}
	}
	codes, next := page(codes, token, size, 100)
	out := make([]Quota, 0, len(codes))
	for _, c := range codes {
		out = append(out, byCode[c])
	}
	writeJSON(w, http.StatusOK, map[string]any{"Quotas": out, "NextToken": omitEmpty(next)})
}
