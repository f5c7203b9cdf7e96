package awsfake

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"sync/atomic"
)

// Server is a fake AWS endpoint on 127.0.0.1. Point a client at it with
// BaseEndpoint = URL (or AWS_ENDPOINT_URL) and any static credentials:
// requests are routed to a service by their SigV4 credential scope, as AWS
// and moto do.
type Server struct {
	*httptest.Server

	requests atomic.Int64 // every request received, routed or not

	mu       sync.Mutex
	services map[string]http.Handler // by signing name: iot, monitoring, servicequotas
}

// Requests returns how many requests the server received, including
// unsigned ones and those for services it does not serve: a test that
// expects nothing to be sent checks it is 0.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// New starts an empty fake; each service's handler is added with Handle.
// The caller closes it.
func New() *Server {
	s := &Server{services: map[string]http.Handler{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.route))
	return s
}

// Handle serves the service whose SigV4 signing name is name.
func (s *Server) Handle(name string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[name] = h
}

var scope = regexp.MustCompile(`Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request`)

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
	s.mu.Lock()
	var h http.Handler
	if m != nil {
		h = s.services[m[1]]
	}
	s.mu.Unlock()
	if h == nil {
		http.Error(w, "awsfake: no such service (unsigned request, or a service this fake does not serve)", http.StatusNotFound)
		return
	}
	h.ServeHTTP(w, r)
}
