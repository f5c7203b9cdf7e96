package awsiot

import (
	"fmt"
	"io"
	"strings"
)

// Tally compares what exists in AWS with what the PKI defines, for one
// kind of resource.
type Tally struct {
	Expected     int      // what the PKI defines
	Present      int      // expected and found
	Missing      int      // expected, not found
	Extra        int      // found, with the fleet's marks, not expected
	MissingNames []string // the first few missing, in order
	ExtraNames   []string // the first few extra
}

// maxListed is how many names a Tally keeps of each list.
const maxListed = 5

func (t *Tally) expect(name string, found bool) {
	t.Expected++
	if found {
		t.Present++
		return
	}
	t.Missing++
	if len(t.MissingNames) < maxListed {
		t.MissingNames = append(t.MissingNames, name)
	}
}

func (t *Tally) extra(name string) {
	t.Extra++
	if len(t.ExtraNames) < maxListed {
		t.ExtraNames = append(t.ExtraNames, name)
	}
}

func (t Tally) String() string {
	s := fmt.Sprintf("%d/%d", t.Present, t.Expected)
	if t.Missing > 0 {
		s += fmt.Sprintf(", %d missing (%s%s)", t.Missing, strings.Join(t.MissingNames, ", "), ellipsis(t.Missing))
	}
	if t.Extra > 0 {
		s += fmt.Sprintf(", %d extra (%s%s)", t.Extra, strings.Join(t.ExtraNames, ", "), ellipsis(t.Extra))
	}
	return s
}

func ellipsis(n int) string {
	if n > maxListed {
		return ", ..."
	}
	return ""
}

// FleetStatus is what exists of a fleet in one account and region against
// what the PKI defines, counted through the AWS IoT API.
type FleetStatus struct {
	Fleet, Region string
	Mode          Mode
	CAMode        CAMode
	Agents        int // agents the PKI defines for the fleet
	Services      int // print-service identities

	Policies          Tally // <fleet>-agent, <fleet>-service
	CAs               Tally // shard CAs (CAShard and ModeJITP)
	Things            Tally // by the fleet attribute
	Certificates      Tally // by CA (ListCertificatesByCA), or as policy targets (CANone)
	PolicyAttachments Tally // each certificate to its policy
	ThingAttachments  Tally // each thing to its certificate
	// OnConnect counts agents AWS IoT provisioned just in time so far
	// (ModeJITP: agents are not expected before their first connect).
	OnConnect int
	// Checked is how many things' attachments were checked: all present
	// things, or an evenly spread sample of a large fleet.
	Checked int
	// Notes are findings that are not counts (a CA without its template).
	Notes []string
}

// Complete reports whether nothing the PKI defines is missing.
func (s *FleetStatus) Complete() bool {
	for _, t := range []Tally{s.Policies, s.CAs, s.Things, s.Certificates, s.PolicyAttachments, s.ThingAttachments} {
		if t.Missing > 0 {
			return false
		}
	}
	return len(s.Notes) == 0
}

// Exists reports whether anything of the fleet was found.
func (s *FleetStatus) Exists() bool {
	return s.Policies.Present+s.CAs.Present+s.Things.Present+s.Things.Extra+s.OnConnect > 0
}

// Format writes the status for a terminal.
func (s *FleetStatus) Format(w io.Writer) {
	fmt.Fprintf(w, "fleet %s in %s (mode %s, CA mode %s): the PKI defines %d agents and %d print-service identities\n",
		s.Fleet, s.Region, s.Mode, s.CAMode, s.Agents, s.Services)
	rows := []struct {
		name string
		t    Tally
	}{{"policies", s.Policies}, {"CAs", s.CAs}, {"things", s.Things}, {"certificates", s.Certificates},
		{"policy attachments", s.PolicyAttachments}, {"thing attachments", s.ThingAttachments}}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-19s %s\n", r.name+":", r.t)
	}
	if s.Mode == ModeJITP {
		fmt.Fprintf(w, "  %-19s %d agents provisioned by AWS IoT on their first connect\n", "just in time:", s.OnConnect)
	}
	if s.Checked < s.Things.Present {
		fmt.Fprintf(w, "  (thing attachments checked on a sample of %d things)\n", s.Checked)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if s.Complete() {
		fmt.Fprintln(w, "  complete: everything the PKI defines exists")
	}
}
