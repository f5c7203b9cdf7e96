package brokerconfig

import (
	"bytes"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/mqherd/mqherd/infra/pki"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// File modes: keys and anything naming identities are the owner's only.
const (
	dirMode    = 0o700
	secretMode = 0o600
	publicMode = 0o644
	scriptMode = 0o700
)

// file is one output file.
type file struct {
	name string
	data []byte
	mode os.FileMode
}

// view is what the templates see.
type view struct {
	Options
	Dir, Host, Port string
}

// ServiceRegexp is an alternation of exactly the service IDs, for a
// regular expression anchored by the template. safeName allows '.', which
// goes in a character class, so no backslash has to survive YAML quoting.
func (v view) ServiceRegexp() string {
	ids := make([]string, len(v.ServiceIDs))
	for i, id := range v.ServiceIDs {
		ids[i] = strings.ReplaceAll(id, ".", "[.]")
	}
	return strings.Join(ids, "|")
}

// Write writes the configuration of o.Broker into o.Out from the PKI of a:
// the broker's certificate and key for o.Hosts (key 0600), the CA bundle
// (the root: every client presents its shard intermediate), the broker's
// configuration and access rules, and start.sh, which runs the broker in
// the foreground. It returns the paths written.
func Write(a *pki.Authority, o Options) ([]string, error) {
	o.applyDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("broker-config: %w", err)
	}
	dir, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, fmt.Errorf("broker-config: out: %w", err)
	}
	host, port, _ := net.SplitHostPort(o.Listen)
	v := view{Options: o, Dir: dir, Host: host, Port: port}
	files, err := certFiles(a, o)
	if err != nil {
		return nil, err
	}
	more, err := brokerFiles(v)
	if err != nil {
		return nil, err
	}
	return writeAll(dir, append(files, more...))
}

// certFiles are the broker's certificate files.
func certFiles(a *pki.Authority, o Options) ([]file, error) {
	cert, err := a.Server(o.Hosts)
	if err != nil {
		return nil, fmt.Errorf("broker-config: %w", err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("broker-config: server key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	files := []file{
		{"ca.pem", a.RootPEM(), publicMode},
		{"server.pem", certPEM, publicMode},
		{"server.key", keyPEM, secretMode},
	}
	if o.Broker == "ejabberd" { // it reads certificate and key from one file
		files = append(files, file{"server-chain.pem", append(append([]byte{}, certPEM...), keyPEM...), secretMode})
	}
	return files, nil
}

// brokerFiles renders the broker's own files.
func brokerFiles(v view) ([]file, error) {
	var specs [][3]string // name, template, mode class
	switch v.Broker {
	case "mosquitto":
		specs = [][3]string{{"mosquitto.conf", "mosquitto.conf.tmpl", "s"}, {"acl", "mosquitto.acl.tmpl", "s"},
			{"start.sh", "mosquitto.start.tmpl", "x"}}
	case "ejabberd":
		specs = [][3]string{{"ejabberd.yml", "ejabberd.yml.tmpl", "s"}, {"start.sh", "ejabberd.start.tmpl", "x"}}
	}
	var out []file
	for _, s := range specs {
		data, err := render(s[1], v)
		if err != nil {
			return nil, err
		}
		mode := os.FileMode(secretMode)
		if s[2] == "x" {
			mode = scriptMode
		}
		out = append(out, file{s[0], data, mode})
	}
	return out, nil
}

func render(name string, v view) ([]byte, error) {
	t, err := template.ParseFS(templateFS, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("broker-config: template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("broker-config: template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// writeAll creates dir (0700) and writes every file with its mode, also
// when the file existed with a looser one.
func writeAll(dir string, files []file) ([]string, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("broker-config: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return nil, fmt.Errorf("broker-config: %w", err)
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return nil, fmt.Errorf("broker-config: %w", err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return nil, fmt.Errorf("broker-config: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
