package targets

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable prints profiles as the table of `mqherd targets`: one row per
// profile with its port, ALPN, SNI policy, QoS cap, keepalive range,
// limits and authentication, then each profile's note.
func WriteTable(w io.Writer, profiles []Profile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "profile\tport\talpn\tsni\tqos max\tkeepalive\tpublish/s per conn\tconnects/s\tauth")
	for _, p := range profiles {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", p.Name, port(p), orDash(strings.Join(p.ALPN, ",")),
			p.SNI, p.QoSMax, keepaliveRange(p), limit(p.PublishRate), limit(p.ConnectBudget), p.Auth)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, p := range profiles {
		fmt.Fprintf(w, "%-10s %s\n", p.Name, p.Notes)
	}
	fmt.Fprintln(w, "\nURL parameters (and targets-file fields):", strings.Join(parameterNames, ", "))
	_, err := fmt.Fprintf(w, "Several endpoints (a cluster's nodes): PROFILE://host:port,host:port,... (at most %d); "+
		"a host name stands for each of its addresses.\n", MaxEndpoints)
	return err
}

func port(p Profile) string {
	if p.Embedded() {
		return "auto"
	}
	return strconv.Itoa(p.DefaultPort)
}

func limit(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
