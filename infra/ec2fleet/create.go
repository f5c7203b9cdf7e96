package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// create makes the fleet's resources in order, registering each with u.
func (c *Clients) create(ctx context.Context, p *plan, res *UpResult, u *undo, w io.Writer) error {
	cfg := p.cfg
	p.deadline = time.Now().Add(cfg.TTL)
	profile := cfg.InstanceProfile
	if profile == "" {
		var err error
		if profile, err = c.createRole(ctx, p.n, p.account, p.bucket, u); err != nil {
			return err
		}
		fmt.Fprintf(w, "created IAM role and instance profile %s (reads %s*, writes s3://%s/%s)\n", profile, p.n.paramPath(), p.bucket, p.n.runsPrefix())
	}
	url, err := c.storeBinaryAndKey(ctx, p, u, w)
	if err != nil {
		return err
	}
	group, err := c.createSecurityGroup(ctx, p.n, p.subnet.vpc, cfg, u)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created security group %s: cluster port %d TCP+UDP from itself only%s\n", group, cfg.ClusterPort, sshNote(cfg.SSHCIDR))
	base := launchSpec{ami: p.ami, profile: profile, group: group, subnet: p.subnet.id, keyName: cfg.KeyName, deadline: p.deadline}
	coord := base
	coord.role, coord.typ, coord.count = RoleCoordinator, cfg.coordinatorType(), 1
	coord.userData = UserData{Fleet: cfg.Name, BinaryURL: url, Bootstrap: p.bootstrapFor(RoleCoordinator, "").Args()}
	coordIDs, err := c.launchRole(ctx, p, coord, u, w)
	if err != nil {
		return err
	}
	res.Coordinator = coordIDs[0]
	ip, err := c.privateIP(ctx, coordIDs[0])
	if err != nil {
		return err
	}
	join := net.JoinHostPort(ip, fmt.Sprint(cfg.ClusterPort))
	work := base
	work.role, work.typ, work.count, work.spot = RoleWorker, cfg.InstanceType, p.workers, cfg.Spot
	work.userData = UserData{Fleet: cfg.Name, BinaryURL: url, Bootstrap: p.bootstrapFor(RoleWorker, join).Args()}
	if res.Workers, err = c.launchRole(ctx, p, work, u, w); err != nil {
		return err
	}
	all := append(append([]string(nil), coordIDs...), res.Workers...)
	fmt.Fprintf(w, "waiting for %d instances to run (the coordinator at %s; workers join it as they boot):\n", len(all), join)
	return c.waitStates(ctx, all, "instances running", []string{"running"}, 10*time.Minute, w)
}

func sshNote(cidr string) string {
	if cidr == "" {
		return "; no SSH (no --ssh-cidr)"
	}
	return "; SSH from " + cidr
}

// storeBinaryAndKey makes the bucket, uploads the binary (returning its
// pre-signed URL) and stores a new cluster key in SSM.
func (c *Clients) storeBinaryAndKey(ctx context.Context, p *plan, u *undo, w io.Writer) (string, error) {
	if err := c.createBucket(ctx, p.bucket, p.cfg.Name); err != nil {
		return "", err
	}
	u.add("bucket "+p.bucket, func(ctx context.Context) error { _, err := c.downBucket(ctx, p.bucket, true); return err })
	url, err := c.putBinary(ctx, p.bucket, p.n.binaryKey(), p.cfg.Binary, p.cfg.Name, p.cfg.URLExpiry)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(w, "uploaded the mqherd binary (%.1f MB) to s3://%s/%s; instances fetch it by a URL valid for %s\n",
		float64(len(p.cfg.Binary))/1e6, p.bucket, p.n.binaryKey(), p.cfg.URLExpiry)
	if err := c.putKey(ctx, p.n, newKey()); err != nil {
		return "", err
	}
	u.add("SSM parameter "+p.n.keyParam(), func(ctx context.Context) error {
		_, err := c.SSM.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(p.n.keyParam())})
		if errorCode(err) == "ParameterNotFound" {
			return nil
		}
		return err
	})
	fmt.Fprintf(w, "stored a new cluster key as SSM SecureString %s (only the fleet's role reads it; not written here)\n", p.n.keyParam())
	return url, nil
}

// launchRole creates the role's template and instances and makes sure each
// terminates on shutdown.
func (c *Clients) launchRole(ctx context.Context, p *plan, s launchSpec, u *undo, w io.Writer) ([]string, error) {
	if err := c.createTemplate(ctx, p.n, s, false, u); err != nil {
		return nil, err
	}
	ids, err := c.launch(ctx, p.n, s, u)
	if err != nil {
		return nil, err
	}
	if err := c.setShutdownTerminate(ctx, ids); err != nil {
		return nil, err
	}
	market := "on-demand"
	if s.spot {
		market = "spot"
	}
	fmt.Fprintf(w, "launched %d %s %s (%s) with template %s: %v\n", len(ids), market, s.role, s.typ, p.n.template(s.role), ids)
	return ids, nil
}

// privateIP is an instance's private address (EC2 gives it at launch).
func (c *Clients) privateIP(ctx context.Context, id string) (string, error) {
	for range 20 {
		out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil && errorCode(err) != "InvalidInstanceID.NotFound" { // eventual consistency right after launch
			return "", fmt.Errorf("describe the coordinator %s (ec2:DescribeInstances): %w", id, err)
		}
		if err == nil && len(out.Reservations) > 0 && len(out.Reservations[0].Instances) > 0 {
			if ip := aws.ToString(out.Reservations[0].Instances[0].PrivateIpAddress); ip != "" {
				return ip, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return "", fmt.Errorf("the coordinator %s has no private address after 20 s", id)
}
