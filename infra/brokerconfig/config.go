package brokerconfig

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/mqherd/mqherd/infra/pki"
)

// Brokers lists the brokers Write supports.
func Brokers() []string { return []string{"mosquitto", "ejabberd"} }

// Options say what to write and where.
type Options struct {
	Broker string // mosquitto or ejabberd
	Out    string // directory that receives the files (created 0700)
	// Listen is the loopback or private address the broker listens on.
	// Default 127.0.0.1:8883.
	Listen string
	// Hosts are the names in the broker's certificate. Default:
	// pki.DefaultServerHosts() plus the host of Listen.
	Hosts []string
	// ServiceIDs are the print-service identities granted every agent's
	// topics (pki.ServiceID(worker, n)); no other service-* name gets them.
	// Default: DefaultServiceIDs().
	ServiceIDs []string
	// RunAs is the user mosquitto switches to when started as root; it
	// must be able to read the 0600 key. Default: mosquitto's own default.
	RunAs string
	// Domain is ejabberd's host (the JID domain of every client).
	// Default "localhost".
	Domain string
}

// DefaultServiceIDs are the print-service identities of `mqherd run` and of
// workers named w0..w15 with up to 8 service clients each.
func DefaultServiceIDs() []string {
	var ids []string
	for w := range 16 {
		for n := range 8 {
			ids = append(ids, pki.ServiceID("w"+strconv.Itoa(w), n))
		}
	}
	return ids
}

func (o *Options) applyDefaults() {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8883"
	}
	if len(o.Hosts) == 0 {
		o.Hosts = pki.DefaultServerHosts()
		if host, _, err := net.SplitHostPort(o.Listen); err == nil && !slices.Contains(o.Hosts, host) && host != "" {
			o.Hosts = append(o.Hosts, host)
		}
	}
	if o.ServiceIDs == nil {
		o.ServiceIDs = DefaultServiceIDs()
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
}

// validate reports every problem at once.
func (o *Options) validate() error {
	var errs []error
	if !slices.Contains(Brokers(), o.Broker) {
		errs = append(errs, fmt.Errorf("broker %q: allowed %s", o.Broker, strings.Join(Brokers(), ", ")))
	}
	if o.Out == "" {
		errs = append(errs, errors.New("out: required (a directory)"))
	}
	host, port, err := net.SplitHostPort(o.Listen)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 1 || p > 65535 || net.ParseIP(host) == nil {
		errs = append(errs, fmt.Errorf("listen %q: want IP:PORT with a port 1..65535", o.Listen))
	}
	for _, id := range o.ServiceIDs {
		if _, _, ok := pki.ServiceOwner(id); !ok || !safeName(id) {
			errs = append(errs, fmt.Errorf("service ID %q: must be service-<worker>-<n> and hold only A-Z a-z 0-9 . _ -", id))
		}
	}
	if !safeName(o.Domain) {
		errs = append(errs, fmt.Errorf("domain %q: allowed A-Z a-z 0-9 . _ -", o.Domain))
	}
	return errors.Join(errs...)
}

// safeName reports whether s is non-empty and made of A-Z a-z 0-9 . _ -
// (nothing that could change the meaning of a configuration line).
func safeName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '.' || r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}
