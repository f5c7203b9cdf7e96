package ec2fleet

import "fmt"

// Tag keys every fleet resource carries.
const (
	TagFleet    = "mqherd:fleet"    // the fleet's name: what down, status and fetch look for
	TagRole     = "mqherd:role"     // coordinator or worker (instances)
	TagDeadline = "mqherd:deadline" // RFC 3339 time the instance powers itself off (instances)
)

// Roles of the fleet's instances.
const (
	RoleCoordinator = "coordinator"
	RoleWorker      = "worker"
)

// names derives every resource name from the fleet name, so that down can
// find what an interrupted up left even without tags (buckets, roles).
type names struct{ fleet string }

func (n names) securityGroup() string { return "mqherd-" + n.fleet }
func (n names) template(role string) string {
	return fmt.Sprintf("mqherd-%s-%s", n.fleet, role)
}
func (n names) role() string                 { return "mqherd-fleet-" + n.fleet }
func (n names) paramPath() string            { return "/mqherd/fleet/" + n.fleet + "/" }
func (n names) keyParam() string             { return n.paramPath() + "cluster-key" }
func (n names) binaryKey() string            { return "bin/mqherd" }
func (n names) runsPrefix() string           { return "runs/" }
func (n names) instanceName(r string) string { return fmt.Sprintf("mqherd-%s-%s", n.fleet, r) }

// bucket is the fleet's bucket; names are global, so the account and the
// region make it unique (at most 20+12+14+14 = 60 < 63 characters).
func (n names) bucket(account, region string) string {
	return fmt.Sprintf("mqherd-%s-%s-%s", n.fleet, account, region)
}
