package ec2fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BootstrapEnv is the machine and the cloud bootstrap works on.
type BootstrapEnv struct {
	Host     Host
	Cloud    Cloud
	Uploader *Uploader // the fleet's bucket (coordinator); nil: none
	Log      io.Writer // one line per step, then the node's output in the foreground
}

// Validate returns every problem of the configuration at once.
func (bc BootstrapConfig) Validate() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if bc.Role != RoleWorker && bc.Role != RoleCoordinator {
		add("--role %q: coordinator or worker", bc.Role)
	}
	if bc.KeyParameter == "" && !bc.Finish {
		add("--key-parameter is required: the SSM parameter holding the cluster key")
	}
	if bc.Role == RoleWorker && bc.Join == "" {
		add("--join is required for a worker: the coordinator's host:port")
	}
	if bc.Role == RoleCoordinator && bc.Bucket == "" && bc.Finish {
		add("--finish needs --bucket")
	}
	if bc.StateDir == "" || !filepath.IsAbs(bc.StateDir) {
		add("--state-dir %q: an absolute directory", bc.StateDir)
	}
	return errs
}

// Bootstrap prepares the host and starts the node: identity from IMDS, the
// kernel settings and open-files limit for the agents, secondary source
// addresses, the cluster key from SSM, the TTL, then the node as a systemd
// service, or in the foreground (no systemd, or Foreground) until it exits.
// Every step reports what it did or why it skipped; only a missing key or a
// node that cannot start is an error.
func Bootstrap(ctx context.Context, bc BootstrapConfig, env BootstrapEnv) error {
	if errs := bc.Validate(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	if bc.Finish {
		return Finish(ctx, bc, env.Uploader, os.Getenv("SERVICE_RESULT"), os.Getenv("EXIT_STATUS"), env.Log)
	}
	h, w := env.Host, env.Log
	id, st := identify(ctx, env.Cloud)
	st.print(w)
	files := max(1<<20, bc.Agents+65536)
	for _, s := range WantedSysctls(bc.Agents, files) {
		h.applySysctl(s).print(w)
	}
	h.raiseFiles(uint64(files)).print(w)
	st, sources := sourceAddresses(ctx, bc, id, h, env.Cloud)
	st.print(w)
	keyFile, err := writeKey(ctx, bc, env.Cloud)
	if err != nil {
		return err
	}
	Step{Name: "cluster key"}.did("read %s (SecureString) into %s (0600)", bc.KeyParameter, keyFile).print(w)
	foreground := bc.Foreground || !h.systemd() || !h.Root
	scheduleTTL(ctx, bc, h, foreground).print(w)
	args := nodeArgs(bc, id, keyFile, sources)
	if bc.Role == RoleCoordinator && env.Uploader != nil {
		putPhase(ctx, env.Uploader, "coordinator-started", id.instanceID, "", w)
	}
	if !foreground {
		st := startService(ctx, bc, h, args, files)
		st.print(w)
		if st.Did == "" {
			return fmt.Errorf("could not start the %s: %s", bc.Role, st.Skipped)
		}
		return nil
	}
	Step{Name: "start " + bc.Role}.did("in the foreground (%s): %s %s", foregroundWhy(bc, h), bc.Binary, strings.Join(args, " ")).print(w)
	runErr := runForeground(ctx, bc, args, w)
	if bc.Role == RoleCoordinator && env.Uploader != nil {
		result, status := "success", "0"
		if runErr != nil {
			result, status = "exit-code", runErr.Error()
		}
		if err := Finish(context.WithoutCancel(ctx), bc, env.Uploader, result, status, w); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}

func foregroundWhy(bc BootstrapConfig, h Host) string {
	switch {
	case bc.Foreground:
		return "--foreground"
	case !h.Root:
		return "not root: no service"
	}
	return "no systemd on this host"
}

// identify reads the instance's ID, address and MAC from IMDS.
func identify(ctx context.Context, cloud Cloud) (identity, Step) {
	st := Step{Name: "instance identity (IMDS)"}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var id identity
	var err error
	if id.instanceID, err = cloud.Metadata(ctx, "instance-id"); err != nil {
		host, _ := os.Hostname()
		return identity{}, st.skip("no IMDS (not on EC2?): %v; the node is named %s and advertises the address it binds", err, host)
	}
	id.localIP, _ = cloud.Metadata(ctx, "local-ipv4")
	id.mac, _ = cloud.Metadata(ctx, "mac")
	return id, st.did("instance %s, address %s, MAC %s", id.instanceID, dash(id.localIP), dash(id.mac))
}

// writeKey reads the cluster key from SSM into the state directory.
func writeKey(ctx context.Context, bc BootstrapConfig, cloud Cloud) (string, error) {
	key, err := cloud.ClusterKey(ctx, bc.KeyParameter)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(bc.StateDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(bc.StateDir, "cluster.key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", err
	}
	return path, os.Chmod(path, 0o600) // an existing file keeps its mode otherwise
}

// Finish uploads the coordinator's run directory and the run's last phase
// (the systemd unit's ExecStopPost; after the foreground run).
func Finish(ctx context.Context, bc BootstrapConfig, up *Uploader, result, status string, w io.Writer) error {
	if up == nil {
		return errors.New("--finish: no bucket")
	}
	n, err := up.UploadRuns(ctx, filepath.Join(bc.StateDir, "runs"))
	if err != nil {
		putPhase(ctx, up, "failed", "", fmt.Sprintf("uploading the run directory: %v", err), w)
		return err
	}
	phase := "finished"
	if result != "" && result != "success" {
		phase = "failed"
	}
	detail := fmt.Sprintf("(coordinator %s, exit %s; %d run files in s3://%s/%s: mqherd fleet fetch %s)", dash(result), dash(status), n, up.Bucket, names{}.runsPrefix(), bc.Fleet)
	Step{Name: "run directory"}.did("uploaded %d files to s3://%s/%s", n, up.Bucket, names{}.runsPrefix()).print(w)
	putPhase(ctx, up, phase, "", detail, w)
	return nil
}

func putPhase(ctx context.Context, up *Uploader, phase, instance, detail string, w io.Writer) {
	st := Step{Name: "run phase"}
	if err := up.PutStatus(ctx, RunStatus{Phase: phase, Since: time.Now().UTC(), Instance: instance, Detail: detail}); err != nil {
		st.skip("%s: %v", phase, err).print(w)
		return
	}
	st.did("%s (s3://%s/%s)", phase, up.Bucket, statusKey).print(w)
}
