package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// terminate ends the instances and waits until EC2 says they are gone;
// progress goes to w (nil: none).
func (c *Clients) terminate(ctx context.Context, ids []string, w io.Writer) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		return fmt.Errorf("terminate %d instances (ec2:TerminateInstances): %w", len(ids), err)
	}
	if w == nil {
		w = io.Discard
	}
	return c.waitStates(ctx, ids, "instances terminated", []string{"terminated"}, 10*time.Minute, w)
}
