package awsfake

import (
	"net/http"
	"sync"
)

// IoT is a fake AWS IoT control plane (service/iot, restJson1) for one
// account and region: things with attributes, certificates identified by
// the SHA-256 of their DER (as AWS does) with status and PEM, CA
// certificates with their registrationConfig, policies with documents and
// tags, and the attachments between them. It follows AWS where AWS's
// behaviour is documented (CreateThing with other attributes is a conflict,
// DeleteThing of a missing thing succeeds, DeleteCertificate refuses ACTIVE
// or attached certificates) and moto where it is not (detaching what is not
// attached is ResourceNotFoundException).
//
// Serve it with Server.Handle("iot", f). Its methods are safe for
// concurrent use.
type IoT struct {
	region, account string
	mux             *http.ServeMux

	// mu guards everything below.
	mu              sync.Mutex
	things          map[string]*thing       // by name
	certs           map[string]*certificate // by ID
	cas             map[string]*caCert      // by ID
	policies        map[string]*policy      // by name
	thingPrincipals map[attachment]bool     // (thing name, principal ARN)
	policyTargets   map[attachment]bool     // (policy name, target ARN)
	faults          faults
}

// attachment is one edge between two resources, by name or ARN.
type attachment struct{ from, to string }

// attachedFrom returns where the edges from name lead: a policy's targets,
// a thing's principals.
func attachedFrom(edges map[attachment]bool, name string) []string {
	var out []string
	for a := range edges {
		if a.from == name {
			out = append(out, a.to)
		}
	}
	return out
}

// attachedTo returns where the edges to arn come from: a certificate's
// policies or things.
func attachedTo(edges map[attachment]bool, arn string) []string {
	var out []string
	for a := range edges {
		if a.to == arn {
			out = append(out, a.from)
		}
	}
	return out
}

type thing struct {
	name       string
	id         string
	attributes map[string]string
}

type certificate struct {
	id, pem, status string
	caID            string // "" when registered without a CA
}

type caCert struct {
	id, pem, status, mode string
	autoRegistration      string // ENABLE or DISABLE
	templateBody, roleARN string
	tags                  map[string]string
}

type policy struct {
	name, document string
	tags           map[string]string
}

// NewIoT returns an empty fake IoT control plane for account (12 digits)
// in region; ARNs it returns name both.
func NewIoT(region, account string) *IoT {
	f := &IoT{region: region, account: account, mux: http.NewServeMux(),
		things: map[string]*thing{}, certs: map[string]*certificate{}, cas: map[string]*caCert{},
		policies: map[string]*policy{}, thingPrincipals: map[attachment]bool{}, policyTargets: map[attachment]bool{},
		faults: newFaults()}
	f.routes()
	return f
}

// ServeHTTP answers one IoT API request.
func (f *IoT) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// arn returns the ARN of a resource of this account and region, e.g.
// arn("thing", "agent-000001").
func (f *IoT) arn(kind, name string) string {
	return "arn:aws:iot:" + f.region + ":" + f.account + ":" + kind + "/" + name
}

// handler is one operation: it returns the JSON answer or an error.
type handler func(r *http.Request) (any, *apiError)

// handle registers op at pattern (a ServeMux pattern with method), counted
// and subject to the injected faults.
func (f *IoT) handle(pattern, op string, h handler) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if e := f.faults.before(op, r); e != nil {
			writeError(w, e)
			return
		}
		f.mu.Lock()
		v, e := h(r)
		f.mu.Unlock()
		if e != nil {
			writeError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// routes maps every operation the fake serves to its handler; paths are
// the ones service/iot's serializers use.
func (f *IoT) routes() {
	f.handle("GET /endpoint", "DescribeEndpoint", f.describeEndpoint)
	f.handle("POST /policies/{policyName}", "CreatePolicy", f.createPolicy)
	f.handle("GET /policies/{policyName}", "GetPolicy", f.getPolicy)
	f.handle("DELETE /policies/{policyName}", "DeletePolicy", f.deletePolicy)
	f.handle("PUT /target-policies/{policyName}", "AttachPolicy", f.attachPolicy)
	f.handle("POST /target-policies/{policyName}", "DetachPolicy", f.detachPolicy)
	f.handle("POST /policy-targets/{policyName}", "ListTargetsForPolicy", f.listTargetsForPolicy)
	f.handle("POST /attached-policies/{target}", "ListAttachedPolicies", f.listAttachedPolicies)
	f.handle("POST /cacertificate", "RegisterCACertificate", f.registerCA)
	f.handle("GET /cacertificate/{certificateId}", "DescribeCACertificate", f.describeCA)
	f.handle("PUT /cacertificate/{certificateId}", "UpdateCACertificate", f.updateCA)
	f.handle("DELETE /cacertificate/{certificateId}", "DeleteCACertificate", f.deleteCA)
	f.handle("GET /certificates-by-ca/{caCertificateId}", "ListCertificatesByCA", f.listCertificatesByCA)
	f.handle("POST /certificate/register", "RegisterCertificate", f.registerCertificate)
	f.handle("POST /certificate/register-no-ca", "RegisterCertificateWithoutCA", f.registerCertificateWithoutCA)
	f.handle("GET /certificates/{certificateId}", "DescribeCertificate", f.describeCertificate)
	f.handle("PUT /certificates/{certificateId}", "UpdateCertificate", f.updateCertificate)
	f.handle("DELETE /certificates/{certificateId}", "DeleteCertificate", f.deleteCertificate)
	f.handle("POST /things/{thingName}", "CreateThing", f.createThing)
	f.handle("GET /things/{thingName}", "DescribeThing", f.describeThing)
	f.handle("DELETE /things/{thingName}", "DeleteThing", f.deleteThing)
	f.handle("GET /things", "ListThings", f.listThings)
	f.handle("PUT /things/{thingName}/principals", "AttachThingPrincipal", f.attachThingPrincipal)
	f.handle("DELETE /things/{thingName}/principals", "DetachThingPrincipal", f.detachThingPrincipal)
	f.handle("GET /things/{thingName}/principals", "ListThingPrincipals", f.listThingPrincipals)
	f.handle("GET /principals/things", "ListPrincipalThings", f.listPrincipalThings)
	f.handle("GET /tags", "ListTagsForResource", f.listTags)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusNotImplemented, code: "NotImplemented",
			msg: "awsfake: IoT " + r.Method + " " + r.URL.Path + " is not served by this fake"})
	})
}

// describeEndpoint answers DescribeEndpoint with a stable, account-specific
// host (moto's changes on every call; AWS's does not): the ATS data
// endpoint for endpointType iot:Data-ATS, the legacy VeriSign one for any
// other type or none (what the AWS CLI's describe-endpoint example shows
// without --endpoint-type), so that a caller who forgets the type is seen.
func (f *IoT) describeEndpoint(r *http.Request) (any, *apiError) {
	host := "a" + f.account + ".iot." + f.region + ".amazonaws.com"
	if r.URL.Query().Get("endpointType") == "iot:Data-ATS" {
		host = "a" + f.account + "-ats.iot." + f.region + ".amazonaws.com"
	}
	return map[string]string{"endpointAddress": host}, nil
}
