package ec2fleet

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance is one of the fleet's instances as EC2 describes it.
type Instance struct {
	ID        string
	Role      string // mqherd:role tag
	Type      string
	State     string // pending, running, shutting-down, terminated, ...
	PrivateIP string
	PublicIP  string
	Launched  time.Time
	Ended     time.Time // when it stopped or terminated, when EC2 says so
	Deadline  string    // mqherd:deadline tag
}

// fleetFilter selects the fleet's resources by tag.
func fleetFilter(fleet string) types.Filter {
	return types.Filter{Name: aws.String("tag:" + TagFleet), Values: []string{fleet}}
}

// liveStates are the instance states that still exist (and may cost).
var liveStates = []string{"pending", "running", "shutting-down", "stopping", "stopped"}

// instances lists the fleet's instances; live only, or every state.
func (c *Clients) instances(ctx context.Context, fleet string, liveOnly bool) ([]Instance, error) {
	filters := []types.Filter{fleetFilter(fleet)}
	if liveOnly {
		filters = append(filters, types.Filter{Name: aws.String("instance-state-name"), Values: liveStates})
	}
	var out []Instance
	p := ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the fleet's instances (ec2:DescribeInstances): %w", err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				out = append(out, toInstance(in))
			}
		}
	}
	slices.SortFunc(out, func(a, b Instance) int {
		if a.Role != b.Role {
			return compareRole(a.Role, b.Role)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

func toInstance(in types.Instance) Instance {
	i := Instance{
		ID: aws.ToString(in.InstanceId), Type: string(in.InstanceType),
		PrivateIP: aws.ToString(in.PrivateIpAddress), PublicIP: aws.ToString(in.PublicIpAddress),
		Launched: aws.ToTime(in.LaunchTime),
	}
	if in.State != nil {
		i.State = string(in.State.Name)
	}
	for _, t := range in.Tags {
		switch aws.ToString(t.Key) {
		case TagRole:
			i.Role = aws.ToString(t.Value)
		case TagDeadline:
			i.Deadline = aws.ToString(t.Value)
		}
	}
	if i.State == "terminated" || i.State == "stopped" {
		i.Ended = transitionTime(aws.ToString(in.StateTransitionReason))
	}
	return i
}

// EC2 writes e.g. "User initiated (2026-11-30 10:00:00 GMT)".
var transitionAt = regexp.MustCompile(`\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) GMT\)`)

func transitionTime(reason string) time.Time {
	m := transitionAt.FindStringSubmatch(reason)
	if m == nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.DateTime, m[1])
	return t
}

func compareRole(a, b string) int {
	if a == RoleCoordinator {
		return -1
	}
	if b == RoleCoordinator {
		return 1
	}
	return cmp.Compare(a, b)
}
