// Package health serves a node's liveness and readiness over HTTP for an
// orchestrator's probes (Kubernetes httpGet): /livez answers 200 while the
// process runs; /readyz answers 200 once the node said it is ready and 503
// before and after, the reason as text. What "ready" means is the caller's:
// a worker is ready once it joined the cluster (it can take an assignment),
// a coordinator once it listens for workers; both stop being ready when
// their run is over.
//
// It binds loopback only unless the caller allows a remote address (the
// same rule as the cluster port). It imports no mqherd package.
package health
