package ec2fleet

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// UserData is an instance's boot script: fetch the binary through its
// pre-signed URL, then hand over to `mqherd bootstrap`. It carries no
// secret: the cluster key is read by bootstrap from SSM with the instance's
// role.
type UserData struct {
	Fleet     string
	BinaryURL string   // pre-signed GET of the fleet bucket's binary
	Bootstrap []string // arguments of `mqherd bootstrap`
}

// binPath is where the instances keep the binary.
const binPath = "/usr/local/bin/mqherd"

// Render is the script: four commands, every argument single-quoted.
func (u UserData) Render() string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# mqherd fleet %s: fetch the binary (pre-signed URL, short-lived), then `mqherd bootstrap` does the rest in Go.\n", u.Fleet)
	b.WriteString("set -eu\n")
	fmt.Fprintf(&b, "curl -fsS --retry 10 --retry-connrefused -o %s %s\n", binPath, shellQuote(u.BinaryURL))
	fmt.Fprintf(&b, "chmod 0755 %s\n", binPath)
	b.WriteString("exec " + binPath + " bootstrap")
	for _, a := range u.Bootstrap {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString("\n")
	return b.String()
}

// Base64 is the script as EC2 launch templates take it.
func (u UserData) Base64() string { return base64.StdEncoding.EncodeToString([]byte(u.Render())) }

// shellQuote quotes s for sh: single quotes; an embedded one closes, escapes and reopens.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
