package ec2fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// statusKey is the object the coordinator's bootstrap writes its phase to.
const statusKey = "status.json"

// RunStatus is what the coordinator's instance says of the run, in the
// fleet's bucket (written by `mqherd bootstrap`).
type RunStatus struct {
	Phase    string    `json:"phase"`               // coordinator-started, finished, failed
	Since    time.Time `json:"since"`               // when the phase began
	Detail   string    `json:"detail,omitempty"`    // exit status, the run directory's objects
	Instance string    `json:"instance,omitempty"`  // the coordinator's instance
	RunFiles int       `json:"run_files,omitempty"` // objects uploaded under runs/
}

// Status is a fleet as `mqherd fleet status` shows it.
type Status struct {
	Fleet     string
	Bucket    string
	Instances []Instance
	Run       *RunStatus // nil: none written yet
	CostUSD   float64
	Unpriced  []string
	Reachable string // what a dial of the coordinator's cluster port said
}

// FleetStatus gathers the instances, the run's phase and the cost so far.
// probePort > 0 also tries a TCP connect to the coordinator's cluster port
// (from outside the fleet it is normally closed); 0 sends nothing to the
// instances.
func FleetStatus(ctx context.Context, c *Clients, fleet string, prices PriceList, probePort int) (*Status, error) {
	account, err := c.account(ctx)
	if err != nil {
		return nil, err
	}
	n := names{fleet}
	st := &Status{Fleet: fleet, Bucket: n.bucket(account, c.Region)}
	if st.Instances, err = c.instances(ctx, fleet, false); err != nil {
		return nil, err
	}
	st.CostUSD, st.Unpriced = CostSoFar(st.Instances, prices, time.Now())
	if st.Run, err = c.runStatus(ctx, st.Bucket); err != nil {
		return nil, err
	}
	st.Reachable = "not checked from here (the cluster port is open only inside the fleet's group; --probe tries a connect): " +
		"the coordinator's log shows the workers as they join (`mqherd fleet attach`)"
	if probePort > 0 {
		st.Reachable = reachability(coordinator(st.Instances), probePort)
	}
	return st, nil
}

func (c *Clients) runStatus(ctx context.Context, bucket string) (*RunStatus, error) {
	out, err := c.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(statusKey)})
	var nsk *s3types.NoSuchKey
	var nsb *s3types.NoSuchBucket
	if errors.As(err, &nsk) || errors.As(err, &nsb) || errorCode(err) == "NoSuchBucket" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s (s3:GetObject): %w", bucket, statusKey, err)
	}
	defer func() { _ = out.Body.Close() }()
	var rs RunStatus
	if err := json.NewDecoder(out.Body).Decode(&rs); err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, statusKey, err)
	}
	return &rs, nil
}

func coordinator(insts []Instance) *Instance {
	for i := range insts {
		if insts[i].Role == RoleCoordinator && insts[i].State != "terminated" {
			return &insts[i]
		}
	}
	return nil
}

// reachability says whether this machine reaches the coordinator's cluster
// port; the fleet's group opens it only to its members, so from outside the
// answer is normally no, and the workers' joins are in the coordinator's log.
func reachability(co *Instance, port int) string {
	if co == nil || co.State != "running" {
		return "no running coordinator"
	}
	addr := co.PublicIP
	if addr == "" {
		addr = co.PrivateIP
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, fmt.Sprint(port)), 2*time.Second)
	if err != nil {
		return fmt.Sprintf("the coordinator's cluster port %s:%d is not reachable from here (the security group opens it only to the fleet's members): "+
			"workers joining show in its log, `mqherd fleet attach`", addr, port)
	}
	_ = conn.Close()
	return fmt.Sprintf("the coordinator's cluster port %s:%d answers; the workers' joins show in its log (`mqherd fleet attach`)", addr, port)
}

// Print writes the status as a table and a few lines.
func (s *Status) Print(w io.Writer) {
	fmt.Fprintf(w, "fleet %s: %d instances (bucket s3://%s)\n", s.Fleet, len(s.Instances), s.Bucket)
	if len(s.Instances) > 0 {
		fmt.Fprintf(w, "  %-11s %-20s %-11s %-13s %-15s %-15s %-20s %s\n", "ROLE", "INSTANCE", "TYPE", "STATE", "PRIVATE-IP", "PUBLIC-IP", "LAUNCHED", "DEADLINE")
	}
	for _, in := range s.Instances {
		fmt.Fprintf(w, "  %-11s %-20s %-11s %-13s %-15s %-15s %-20s %s\n", in.Role, in.ID, in.Type, in.State,
			dash(in.PrivateIP), dash(in.PublicIP), in.Launched.UTC().Format(time.RFC3339), dash(in.Deadline))
	}
	if s.Run == nil {
		fmt.Fprintln(w, "run: no phase reported yet (the coordinator's bootstrap writes it once it starts)")
	} else {
		fmt.Fprintf(w, "run: %s since %s %s\n", s.Run.Phase, s.Run.Since.UTC().Format(time.RFC3339), s.Run.Detail)
	}
	fmt.Fprintf(w, "workers joined: %s\n", s.Reachable)
	fmt.Fprintf(w, "cost so far: $%.2f (launch to now, or to termination, x list price)", s.CostUSD)
	if len(s.Unpriced) > 0 {
		fmt.Fprintf(w, "; not counted, no price: %v", s.Unpriced)
	}
	fmt.Fprintln(w)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
