package ec2fleet

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/middleware"
)

// TestFleetRefusedMoto: each bad input is refused with an error that names
// it and the fix, and leaves nothing in the account.
func TestFleetRefusedMoto(t *testing.T) {
	c := motoFleet(t)
	ctx := context.Background()
	noRoute := subnetWithoutRoute(t, c)
	cases := []struct {
		name   string
		edit   func(*Config)
		want   []string
		budget bool
	}{
		{"over budget", func(c *Config) { c.MaxCostUSD = 1 }, []string{"above --max-cost $1.00", "nothing was created"}, true},
		{"unknown instance type", func(c *Config) { c.InstanceType = "c9.mega" }, []string{"unknown instance type", "c9.mega", "describe-instance-types"}, false},
		{"AMI does not exist", func(c *Config) { c.AMI = "ami-0123456789abcdef0" }, []string{"AMI ami-0123456789abcdef0 does not exist", "--ami"}, false},
		{"subnet without route", func(c *Config) { c.Subnet = noRoute }, []string{"subnet " + noRoute + " has no route out", "--subnet"}, false},
		{"unpriced type", func(c *Config) { c.InstanceType = "t3.micro" }, []string{"t3.micro has no price", "--prices"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, "bad")
			tc.edit(&cfg)
			var out bytes.Buffer
			_, err := Up(ctx, c, cfg, testPrices, &out)
			if err == nil {
				t.Fatalf("up succeeded:\n%s", out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.budget != errors.Is(err, ErrOverBudget) {
				t.Errorf("errors.Is(ErrOverBudget) = %v, want %v", !tc.budget, tc.budget)
			}
			if tc.budget && !strings.Contains(out.String(), "total $2.72") {
				t.Errorf("no estimate printed before the refusal:\n%s", out.String())
			}
			if got := takeInventory(t, c, "bad"); got != (inventory{}) {
				t.Errorf("left behind: %+v", got)
			}
		})
	}
	t.Run("name in use", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := Up(ctx, c, testConfig(t, "taken"), testPrices, &out); err != nil {
			t.Fatalf("first up: %v\n%s", err, out.String())
		}
		before := takeInventory(t, c, "taken")
		_, err := Up(ctx, c, testConfig(t, "taken"), testPrices, &out)
		if err == nil || !strings.Contains(err.Error(), `fleet name "taken" is in use`) || !strings.Contains(err.Error(), "mqherd fleet down taken") {
			t.Fatalf("second up: %v", err)
		}
		if after := takeInventory(t, c, "taken"); after != before {
			t.Errorf("the refused up changed the fleet: %+v -> %+v", before, after)
		}
		if err := Down(ctx, c, "taken", DownOptions{}, &out); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failure after creating rolls back", func(t *testing.T) {
		cfg := testConfig(t, "rollback")
		var out bytes.Buffer
		_, err := Up(ctx, failSecondFleet(t, c), cfg, testPrices, &out)
		if err == nil || !strings.Contains(err.Error(), "everything this run created was removed") ||
			!strings.Contains(out.String(), "removed 1 coordinator instances") ||
			!strings.Contains(out.String(), "removed security group") || !strings.Contains(out.String(), "removed IAM role") {
			t.Fatalf("up with a missing key pair: %v\n%s", err, out.String())
		}
		t.Logf("up:\n%s", out.String())
		if got := takeInventory(t, c, "rollback"); got != (inventory{}) {
			t.Errorf("left behind: %+v", got)
		}
	})
	t.Run("sized from the scenario", func(t *testing.T) {
		cfg := testConfig(t, "sized")
		cfg.Workers, cfg.Agents, cfg.MsgsPerSec, cfg.ConnectsPerSec, cfg.InstanceType, cfg.DryRun = 0, 500000, 6000, 500, "c5.2xlarge", true
		var out bytes.Buffer
		res, err := Up(ctx, c, cfg, testPrices, &out)
		// moto's catalogue: c5.2xlarge has 8 vCPU, 16,384 MiB, 15 addresses per interface
		want, _ := Size(Load{Agents: 500000, MsgsPerSec: 6000, ConnectsPerSec: 500, BrokerAddrs: 1},
			InstanceInfo{Type: "c5.2xlarge", VCPUs: 8, MemoryMiB: 16384, IPv4PerENI: 15}, MeasuredFigures())
		if err != nil || res.Sizing == nil || *res.Sizing != want || want.Workers < 2 ||
			!strings.Contains(out.String(), "8 vCPU, 16384 MiB, 15 addresses per interface") {
			t.Fatalf("sizing: %+v %v\n%s", res, err, out.String())
		}
	})
	t.Run("dry run", func(t *testing.T) {
		cfg := testConfig(t, "dry")
		cfg.DryRun = true
		var out bytes.Buffer
		res, err := Up(ctx, c, cfg, testPrices, &out)
		if err != nil {
			t.Fatalf("dry run: %v\n%s", err, out.String())
		}
		for _, call := range []string{"ec2:CreateSecurityGroup", "ec2:CreateLaunchTemplate", "ec2:CreateFleet"} {
			if !strings.Contains(strings.Join(res.DryRun, "\n"), call+": allowed (DryRunOperation)") {
				t.Errorf("dry run did not check %s:\n%s", call, out.String())
			}
		}
		if got := takeInventory(t, c, "dry"); got != (inventory{}) {
			t.Errorf("dry run created %+v", got)
		}
	})
}

// failSecondFleet is c whose second CreateFleet (the workers') fails as
// AWS does when it has no capacity: moto never does.
func failSecondFleet(t *testing.T, c *Clients) *Clients {
	t.Helper()
	calls := 0
	inject := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("failSecondFleet",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if awsmiddleware.GetOperationName(ctx) == "CreateFleet" {
					if calls++; calls == 2 {
						return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: InsufficientInstanceCapacity")
					}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
	failing := *c
	failing.EC2 = ec2.New(c.EC2.Options(), func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, inject) })
	return &failing
}

// subnetWithoutRoute is a subnet of a new VPC with only the local route.
func subnetWithoutRoute(t *testing.T, c *Clients) string {
	t.Helper()
	ctx := context.Background()
	vpc, err := c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.99.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(sn.Subnet.SubnetId)
}
