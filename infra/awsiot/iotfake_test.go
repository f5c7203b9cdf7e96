package awsiot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/internal/awsfake"
)

// iotFake is the part of AWS IoT's control plane that EmulationRegistry
// and the test's seeding call, speaking restJson1 to the real SDK through
// internal/awsfake, with the semantics of AWS (certificate IDs are the
// SHA-256 of the DER; a CA's auto-registration status is reported).
type iotFake struct {
	*awsfake.Server

	mu       sync.Mutex
	policies map[string]string
	cas      map[string]fakeCA
	certs    map[string]*fakeCert // by ID
	things   map[string]bool
}

type fakeCA struct {
	pem, status, auto, template string
}

type fakeCert struct {
	arn, pem, status string
	policies, things []string
}

const fakeARN = "arn:aws:iot:us-east-1:123456789012:"

func newIoTFake(t *testing.T) *iotFake {
	f := &iotFake{Server: awsfake.New(), policies: map[string]string{}, cas: map[string]fakeCA{},
		certs: map[string]*fakeCert{}, things: map[string]bool{}}
	f.Handle("iot", http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// fakeRoute is one operation: method, path pattern, handler.
type fakeRoute struct {
	method string
	path   *regexp.Regexp
	do     func(f *iotFake, r *http.Request, m []string, body map[string]any) (any, error)
}

var fakeRoutes = []fakeRoute{
	{"POST", regexp.MustCompile(`^/policies/([^/]+)$`), (*iotFake).createPolicy},
	{"GET", regexp.MustCompile(`^/policies/([^/]+)$`), (*iotFake).getPolicy},
	{"POST", regexp.MustCompile(`^/cacertificate$`), (*iotFake).registerCA},
	{"GET", regexp.MustCompile(`^/cacertificate/([0-9a-f]+)$`), (*iotFake).describeCA},
	{"POST", regexp.MustCompile(`^/certificate/register-no-ca$`), (*iotFake).registerCert},
	{"POST", regexp.MustCompile(`^/certificate/register$`), (*iotFake).registerCert},
	{"GET", regexp.MustCompile(`^/certificates/([0-9a-f]+)$`), (*iotFake).describeCert},
	{"POST", regexp.MustCompile(`^/attached-policies/(.+)$`), (*iotFake).listAttachedPolicies},
	{"GET", regexp.MustCompile(`^/principals/things$`), (*iotFake).listPrincipalThings},
	{"PUT", regexp.MustCompile(`^/target-policies/([^/]+)$`), (*iotFake).attachPolicy},
	{"POST", regexp.MustCompile(`^/things/([^/]+)$`), (*iotFake).createThing},
	{"PUT", regexp.MustCompile(`^/things/([^/]+)/principals$`), (*iotFake).attachThing},
}

// errFakeNotFound and errFakeExists become AWS's typed errors.
var (
	errFakeNotFound = errors.New("ResourceNotFoundException")
	errFakeExists   = errors.New("ResourceAlreadyExistsException")
)

func (f *iotFake) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body) // GETs have none
	path := r.URL.EscapedPath()
	for _, rt := range fakeRoutes {
		m := rt.path.FindStringSubmatch(path)
		if m == nil || rt.method != r.Method {
			continue
		}
		for i := range m {
			m[i], _ = url.PathUnescape(m[i])
		}
		f.mu.Lock()
		out, err := rt.do(f, r, m, body)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			code := map[error]int{errFakeNotFound: 404, errFakeExists: 409}[err]
			w.Header().Set("X-Amzn-ErrorType", err.Error())
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	http.Error(w, "iotFake: no such operation "+r.Method+" "+path, http.StatusNotImplemented)
}

func str(body map[string]any, key string) string { s, _ := body[key].(string); return s }

func pemID(text string) string {
	b, _ := pem.Decode([]byte(text))
	if b == nil {
		return ""
	}
	sum := sha256.Sum256(b.Bytes)
	return hex.EncodeToString(sum[:])
}

func isNotFound(err error) bool { return errors.Is(err, broker.ErrNotFound) }

func (f *iotFake) createPolicy(_ *http.Request, m []string, body map[string]any) (any, error) {
	f.policies[m[1]] = str(body, "policyDocument")
	return map[string]string{"policyName": m[1], "policyArn": fakeARN + "policy/" + m[1]}, nil
}

func (f *iotFake) getPolicy(_ *http.Request, m []string, _ map[string]any) (any, error) {
	doc, ok := f.policies[m[1]]
	if !ok {
		return nil, errFakeNotFound
	}
	return map[string]string{"policyName": m[1], "policyDocument": doc, "defaultVersionId": "1"}, nil
}

func (f *iotFake) registerCA(r *http.Request, _ []string, body map[string]any) (any, error) {
	text := str(body, "caCertificate")
	id := pemID(text)
	ca := fakeCA{pem: text, status: "INACTIVE", auto: "DISABLE"}
	if r.URL.Query().Get("setAsActive") == "true" {
		ca.status = "ACTIVE"
	}
	if r.URL.Query().Get("allowAutoRegistration") == "true" {
		ca.auto = "ENABLE"
	}
	if rc, ok := body["registrationConfig"].(map[string]any); ok {
		ca.template = str(rc, "templateBody")
	}
	f.cas[id] = ca
	return map[string]string{"certificateId": id, "certificateArn": fakeARN + "cacert/" + id}, nil
}

func (f *iotFake) describeCA(_ *http.Request, m []string, _ map[string]any) (any, error) {
	ca, ok := f.cas[m[1]]
	if !ok {
		return nil, errFakeNotFound
	}
	return map[string]any{
		"certificateDescription": map[string]string{"certificateId": m[1], "certificatePem": ca.pem,
			"status": ca.status, "autoRegistrationStatus": ca.auto},
		"registrationConfig": map[string]string{"templateBody": ca.template},
	}, nil
}

func (f *iotFake) registerCert(_ *http.Request, _ []string, body map[string]any) (any, error) {
	id := pemID(str(body, "certificatePem"))
	if ca := str(body, "caCertificatePem"); ca != "" {
		if _, ok := f.cas[pemID(ca)]; !ok {
			return nil, errFakeNotFound
		}
	}
	if _, dup := f.certs[id]; dup {
		return nil, errFakeExists
	}
	f.certs[id] = &fakeCert{arn: fakeARN + "cert/" + id, pem: str(body, "certificatePem"), status: str(body, "status")}
	return map[string]string{"certificateId": id, "certificateArn": f.certs[id].arn}, nil
}

func (f *iotFake) describeCert(_ *http.Request, m []string, _ map[string]any) (any, error) {
	c, ok := f.certs[m[1]]
	if !ok {
		return nil, errFakeNotFound
	}
	return map[string]any{"certificateDescription": map[string]string{
		"certificateId": m[1], "certificateArn": c.arn, "status": c.status, "certificatePem": c.pem}}, nil
}

func (f *iotFake) byARN(arn string) (*fakeCert, error) {
	for _, c := range f.certs {
		if c.arn == arn {
			return c, nil
		}
	}
	return nil, errFakeNotFound
}

func (f *iotFake) listAttachedPolicies(_ *http.Request, m []string, _ map[string]any) (any, error) {
	c, err := f.byARN(m[1])
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, p := range c.policies {
		out = append(out, map[string]string{"policyName": p, "policyArn": fakeARN + "policy/" + p})
	}
	return map[string]any{"policies": out}, nil
}

func (f *iotFake) listPrincipalThings(r *http.Request, _ []string, _ map[string]any) (any, error) {
	c, err := f.byARN(r.Header.Get("X-Amzn-Principal"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"things": c.things}, nil
}

func (f *iotFake) attachPolicy(_ *http.Request, m []string, body map[string]any) (any, error) {
	c, err := f.byARN(str(body, "target"))
	if _, ok := f.policies[m[1]]; err != nil || !ok {
		return nil, errFakeNotFound
	}
	if !slices.Contains(c.policies, m[1]) {
		c.policies = append(c.policies, m[1])
	}
	return map[string]string{}, nil
}

func (f *iotFake) createThing(_ *http.Request, m []string, _ map[string]any) (any, error) {
	f.things[m[1]] = true
	return map[string]string{"thingName": m[1], "thingArn": fakeARN + "thing/" + m[1]}, nil
}

func (f *iotFake) attachThing(r *http.Request, m []string, _ map[string]any) (any, error) {
	c, err := f.byARN(r.Header.Get("X-Amzn-Principal"))
	if err != nil || !f.things[m[1]] {
		return nil, errFakeNotFound
	}
	if !slices.Contains(c.things, m[1]) {
		c.things = append(c.things, m[1])
	}
	return map[string]string{}, nil
}
