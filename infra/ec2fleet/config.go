package ec2fleet

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"time"
)

// Config describes one fleet: a coordinator instance and Workers worker
// instances, all tagged mqherd:fleet=Name.
type Config struct {
	Name                    string        // fleet name: 1-20 of a-z, 0-9, '-'; names every resource
	Region                  string        // AWS region (informational: the clients carry it)
	Workers                 int           // worker instances; 0: sized from Agents (see Size)
	Agents                  int           // the scenario's agent count, for sizing and source addresses
	MsgsPerSec              float64       // the run's message rate (busy hour x speedup), for sizing
	ConnectsPerSec          float64       // the scenario's connect rate for the whole fleet, for sizing
	BrokerAddrs             int           // distinct broker addresses the agents connect to (1)
	InstanceType            string        // worker instance type, e.g. c5.2xlarge
	CoordinatorInstanceType string        // "" : InstanceType
	Subnet                  string        // "" : a default subnet of the default VPC
	SSHCIDR                 string        // "" : no SSH ingress at all
	KeyName                 string        // EC2 key pair for SSH; "" : none
	Spot                    bool          // workers as spot instances (the coordinator stays on-demand)
	TTL                     time.Duration // every instance powers itself off (and terminates) after this
	MaxCostUSD              float64       // refuse a fleet whose estimate is above this; 0: no limit
	DryRun                  bool          // EC2 DryRun on every create call; nothing is created
	AMI                     string        // "" : the newest Amazon Linux 2023 for the architecture (SSM public parameter)
	InstanceProfile         string        // "" : create a role and instance profile for the fleet
	ClusterPort             int           // cluster port, TCP and UDP (7946)
	Binary                  []byte        // the linux mqherd binary the instances run
	CoordinatorArgs         []string      // the run's scenario and target flags, passed to `mqherd coordinator`
	URLExpiry               time.Duration // life of the binary's pre-signed URL (30m)
}

// DefaultConfig returns a Config with every default set; the caller fills
// in the name, the instance type and the binary.
func DefaultConfig() Config {
	return Config{
		BrokerAddrs: 1,                // one broker endpoint
		TTL:         4 * time.Hour,    // a forgotten fleet costs at most 4 hours
		ClusterPort: 7946,             // memberlist's usual port
		URLExpiry:   30 * time.Minute, // instances fetch the binary within minutes of launch
	}
}

var fleetName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,19}$`)

// Validate returns every problem at once, each naming the flag and what is
// allowed.
func (c *Config) Validate() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !fleetName.MatchString(c.Name) {
		add("--name %q: 1-20 characters of a-z, 0-9 and '-', starting with a letter or digit (it names the bucket, the role and every resource)", c.Name)
	}
	if c.InstanceType == "" {
		add("--instance-type is required, e.g. c5.2xlarge")
	}
	if c.Workers < 0 || c.Workers > 500 {
		add("--workers %d: must be between 1 and 500 (0 or left out: sized from the scenario's agents)", c.Workers)
	}
	if c.Workers == 0 && c.Agents < 1 {
		add("--workers left out and the scenario has no agents: give --workers or --agents")
	}
	if c.BrokerAddrs < 1 {
		add("--broker-addrs %d: must be >= 1", c.BrokerAddrs)
	}
	if c.TTL < 10*time.Minute || c.TTL > 72*time.Hour {
		add("--ttl %s: must be between 10m and 72h (every instance powers off and terminates after it)", c.TTL)
	}
	if !(c.MaxCostUSD >= 0) {
		add("--max-cost %g: must be >= 0 (0: no limit)", c.MaxCostUSD)
	}
	if c.SSHCIDR != "" {
		if _, err := netip.ParsePrefix(c.SSHCIDR); err != nil {
			add("--ssh-cidr %q: not a CIDR, e.g. 203.0.113.7/32 (your address)", c.SSHCIDR)
		}
	}
	if c.ClusterPort < 1 || c.ClusterPort > 65535 {
		add("--cluster-port %d: must be 1-65535", c.ClusterPort)
	}
	if len(c.Binary) == 0 {
		errs = append(errs, errors.New("no mqherd binary to upload: pass --binary (a linux build of mqherd)"))
	}
	return errs
}

// coordinatorType is the coordinator's instance type.
func (c *Config) coordinatorType() string {
	if c.CoordinatorInstanceType != "" {
		return c.CoordinatorInstanceType
	}
	return c.InstanceType
}
