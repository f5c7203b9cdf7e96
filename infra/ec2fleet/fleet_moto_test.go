package ec2fleet

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

var testPrices = PriceList{File: "test prices", Region: "us-east-1", Types: map[string]Price{
	"c5.xlarge":  {USD: 0.17, Date: "2026-11-01", Source: "test"},
	"c5.2xlarge": {USD: 0.34, Date: "2026-11-01", Source: "test"},
	"m5.large":   {USD: 0.096, Date: "2026-11-01", Source: "test"},
}}

// motoFleet is moto with a default VPC that routes out, as AWS's does
// (moto's default VPC has no internet gateway).
func motoFleet(t *testing.T) *Clients {
	url := startMoto(t)
	motoReset(t, url)
	c := NewClients(motoConfig(t, url), true)
	ctx := context.Background()
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		t.Fatalf("default VPC: %v", err)
	}
	vpc := vpcs.Vpcs[0].VpcId
	igw, err := c.EC2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	igwID := igw.InternetGateway.InternetGatewayId
	if _, err := c.EC2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpc}); err != nil {
		t.Fatal(err)
	}
	rts, err := c.routeTables(ctx, types.Filter{Name: aws.String("vpc-id"), Values: []string{*vpc}},
		types.Filter{Name: aws.String("association.main"), Values: []string{"true"}})
	if err != nil || len(rts) == 0 {
		t.Fatalf("main route table: %v", err)
	}
	if _, err := c.EC2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rts[0].RouteTableId,
		DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igwID}); err != nil {
		t.Fatal(err)
	}
	return c
}

func testConfig(t *testing.T, name string) Config {
	t.Helper()
	exe, err := os.Executable() // the test binary: a linux ELF of this machine's architecture
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Name, cfg.Region, cfg.Workers, cfg.Agents = name, "us-east-1", 3, 3000
	cfg.InstanceType, cfg.SSHCIDR, cfg.Binary = "c5.xlarge", "203.0.113.7/32", bin
	cfg.CoordinatorArgs = []string{"--scenario", "print-fleet", "--target", "mosquitto://broker.example:8883"}
	return cfg
}

// inventory counts what exists of a fleet, through the API.
type inventory struct {
	instances, templates, groups, params int
	bucket, role                         bool
}

func takeInventory(t *testing.T, c *Clients, fleet string) inventory {
	t.Helper()
	ctx := context.Background()
	var inv inventory
	insts, err := c.instances(ctx, fleet, true)
	if err != nil {
		t.Fatal(err)
	}
	inv.instances = len(insts)
	lts, err := c.EC2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{fleetFilter(fleet)}})
	if err != nil {
		t.Fatal(err)
	}
	inv.templates = len(lts.LaunchTemplates)
	sgs, err := c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{fleetFilter(fleet)}})
	if err != nil {
		t.Fatal(err)
	}
	inv.groups = len(sgs.SecurityGroups)
	ps, err := c.SSM.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String(names{fleet}.paramPath()), Recursive: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	inv.params = len(ps.Parameters)
	_, err = c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(names{fleet}.bucket("123456789012", "us-east-1"))})
	inv.bucket = err == nil
	_, err = c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(names{fleet}.role())})
	inv.role = err == nil
	return inv
}

func TestFleetUpStatusDownMoto(t *testing.T) {
	c := motoFleet(t)
	ctx := context.Background()
	var out bytes.Buffer
	cfg := testConfig(t, "herd1")
	res, err := Up(ctx, c, cfg, testPrices, &out)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	t.Logf("up:\n%s", out.String())
	if got := takeInventory(t, c, "herd1"); got != (inventory{instances: 4, templates: 2, groups: 1, params: 1, bucket: true, role: true}) {
		t.Fatalf("after up: %+v, want 4 instances, 2 templates, 1 group, 1 parameter, the bucket and the role", got)
	}
	checkInstances(t, c, res, cfg)
	checkSecurityGroup(t, c, "herd1")
	checkTemplates(t, c, "herd1")
	checkStorage(t, c, "herd1", cfg)
	checkStatusFetchDown(t, c, "herd1")
}

// checkInstances: 4 running, each tagged with fleet, role and deadline,
// shutdown behaviour terminate, user data with no cluster key in it.
func checkInstances(t *testing.T, c *Clients, res *UpResult, cfg Config) {
	t.Helper()
	ctx := context.Background()
	insts, err := c.instances(ctx, "herd1", true)
	if err != nil {
		t.Fatal(err)
	}
	key := fleetKey(t, c, "herd1")
	roles := map[string]int{}
	for _, in := range insts {
		roles[in.Role]++
		if in.State != "running" {
			t.Errorf("%s: state %s, want running", in.ID, in.State)
		}
		dl, err := time.Parse(time.RFC3339, in.Deadline)
		if err != nil || time.Until(dl) > cfg.TTL || time.Until(dl) < cfg.TTL-5*time.Minute {
			t.Errorf("%s: deadline tag %q, want about now + %s", in.ID, in.Deadline, cfg.TTL)
		}
		attr, err := c.EC2.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(in.ID),
			Attribute: types.InstanceAttributeNameInstanceInitiatedShutdownBehavior})
		if err != nil || attr.InstanceInitiatedShutdownBehavior == nil || aws.ToString(attr.InstanceInitiatedShutdownBehavior.Value) != "terminate" {
			t.Errorf("%s: instanceInitiatedShutdownBehavior %+v (%v), want terminate", in.ID, attr.InstanceInitiatedShutdownBehavior, err)
		}
		ud := userData(t, c, in.ID)
		if strings.Contains(ud, key) || !strings.Contains(ud, "bootstrap' '--role' '"+in.Role+"'") && !strings.Contains(ud, "bootstrap '--role' '"+in.Role+"'") {
			t.Errorf("%s: user data carries the key, or no bootstrap of its role:\n%s", in.ID, ud)
		}
		if !strings.Contains(ud, "'--ttl' '4h0m0s'") {
			t.Errorf("%s: user data without the TTL:\n%s", in.ID, ud)
		}
	}
	if roles[RoleCoordinator] != 1 || roles[RoleWorker] != 3 || res.Coordinator == "" || len(res.Workers) != 3 {
		t.Errorf("roles %v, result %+v: want 1 coordinator, 3 workers", roles, res)
	}
}

func fleetKey(t *testing.T, c *Clients, fleet string) string {
	t.Helper()
	p, err := c.SSM.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(names{fleet}.keyParam()), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Parameter.Type != "SecureString" || len(aws.ToString(p.Parameter.Value)) != 64 {
		t.Fatalf("key parameter: type %s, %d characters; want a SecureString of 64 hex characters", p.Parameter.Type, len(aws.ToString(p.Parameter.Value)))
	}
	return aws.ToString(p.Parameter.Value)
}

func userData(t *testing.T, c *Clients, id string) string {
	t.Helper()
	attr, err := c.EC2.DescribeInstanceAttribute(context.Background(), &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameUserData})
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(aws.ToString(attr.UserData.Value))
	if err != nil {
		t.Fatalf("%s: user data not base64: %v", id, err)
	}
	return string(b)
}

// checkSecurityGroup: exactly the cluster port TCP and UDP from the group
// itself and SSH from the given CIDR; nothing else inbound.
func checkSecurityGroup(t *testing.T, c *Clients, fleet string) {
	t.Helper()
	sgs, err := c.EC2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{fleetFilter(fleet)}})
	if err != nil || len(sgs.SecurityGroups) != 1 {
		t.Fatalf("groups: %v %v", sgs, err)
	}
	g := sgs.SecurityGroups[0]
	var got []string
	for _, p := range g.IpPermissions {
		for _, pair := range p.UserIdGroupPairs {
			got = append(got, ruleString(p, "group="+boolStr(aws.ToString(pair.GroupId) == aws.ToString(g.GroupId), "self", aws.ToString(pair.GroupId))))
		}
		for _, r := range p.IpRanges {
			got = append(got, ruleString(p, aws.ToString(r.CidrIp)))
		}
	}
	want := "tcp 22-22 203.0.113.7/32|tcp 7946-7946 group=self|udp 7946-7946 group=self"
	if s := strings.Join(sortedCopy(got), "|"); s != want {
		t.Errorf("ingress rules:\n got %s\nwant %s", s, want)
	}
}

// checkTemplates: two templates, both terminate on shutdown and carry the
// fleet's tags for instances, volumes and interfaces.
func checkTemplates(t *testing.T, c *Clients, fleet string) {
	t.Helper()
	for _, role := range []string{RoleCoordinator, RoleWorker} {
		v, err := c.EC2.DescribeLaunchTemplateVersions(context.Background(), &ec2.DescribeLaunchTemplateVersionsInput{
			LaunchTemplateName: aws.String(names{fleet}.template(role))})
		if err != nil || len(v.LaunchTemplateVersions) != 1 {
			t.Fatalf("template %s: %v %v", role, v, err)
		}
		d := v.LaunchTemplateVersions[0].LaunchTemplateData
		tagged := map[types.ResourceType]string{}
		for _, ts := range d.TagSpecifications {
			for _, tg := range ts.Tags {
				if aws.ToString(tg.Key) == TagFleet {
					tagged[ts.ResourceType] = aws.ToString(tg.Value)
				}
			}
		}
		if d.InstanceInitiatedShutdownBehavior != types.ShutdownBehaviorTerminate || d.MetadataOptions == nil ||
			d.MetadataOptions.HttpTokens != types.LaunchTemplateHttpTokensStateRequired ||
			tagged[types.ResourceTypeInstance] != fleet || tagged[types.ResourceTypeVolume] != fleet || tagged[types.ResourceTypeNetworkInterface] != fleet {
			t.Errorf("template %s: shutdown %q, metadata %+v, fleet tag on %v; want terminate, IMDSv2, instance+volume+network-interface", role,
				d.InstanceInitiatedShutdownBehavior, d.MetadataOptions, tagged)
		}
	}
}

// checkStorage: the bucket is tagged, the binary is behind a pre-signed URL
// that works, the key parameter is tagged, the role's policy names them.
func checkStorage(t *testing.T, c *Clients, fleet string, cfg Config) {
	t.Helper()
	ctx := context.Background()
	bucket := names{fleet}.bucket("123456789012", "us-east-1")
	tg, err := c.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.TagSet[0].Value) != fleet {
		t.Errorf("bucket tags: %v %v", tg, err)
	}
	insts, _ := c.instances(ctx, fleet, true)
	url := regexp.MustCompile(`curl .* -o \S+ '([^']+)'`).FindStringSubmatch(userData(t, c, insts[1].ID))
	if url == nil {
		t.Fatal("no pre-signed URL in user data")
	}
	resp, err := http.Get(url[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, cfg.Binary) || !strings.Contains(url[1], "X-Amz-Expires=1800") {
		t.Errorf("pre-signed GET: %d, %d bytes (want %d), URL %s", resp.StatusCode, len(body), len(cfg.Binary), url[1])
	}
	tags, err := c.SSM.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: "Parameter", ResourceId: aws.String(names{fleet}.keyParam())})
	if err != nil || len(tags.TagList) != 1 {
		t.Errorf("key parameter tags: %v %v", tags, err)
	}
	pol, err := c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(names{fleet}.role()), PolicyName: aws.String("mqherd-fleet")})
	if err != nil || !strings.Contains(aws.ToString(pol.PolicyDocument), "parameter/mqherd/fleet/"+fleet+"/") {
		t.Errorf("role policy: %v %v", pol, err)
	}
}

// checkStatusFetchDown: status lists the instances; a finished run's files
// come back with fetch; down stops at unfetched runs, then removes
// everything and can be repeated.
func checkStatusFetchDown(t *testing.T, c *Clients, fleet string) {
	t.Helper()
	ctx := context.Background()
	st, err := FleetStatus(ctx, c, fleet, testPrices, 0)
	if err != nil || len(st.Instances) != 4 || st.Run != nil {
		t.Fatalf("status: %+v %v", st, err)
	}
	runDir := t.TempDir()
	writeFile(t, filepath.Join(runDir, "20261130-print-fleet", "summary.json"), `{"agents":3000}`)
	writeFile(t, filepath.Join(runDir, "20261130-print-fleet", "manifest.json"), `{}`)
	up := &Uploader{S3: c.S3, Bucket: st.Bucket}
	if n, err := up.UploadRuns(ctx, runDir); err != nil || n != 2 {
		t.Fatalf("upload runs: %d %v", n, err)
	}
	if err := up.PutStatus(ctx, RunStatus{Phase: "finished", Since: time.Now(), Detail: "exit 0"}); err != nil {
		t.Fatal(err)
	}
	if st, err = FleetStatus(ctx, c, fleet, testPrices, 0); err != nil || st.Run == nil || st.Run.Phase != "finished" {
		t.Fatalf("status after the run: %+v %v", st, err)
	}
	var out bytes.Buffer
	if err := Down(ctx, c, fleet, DownOptions{}, &out); !errors.Is(err, ErrRunsLeft) {
		t.Fatalf("down with unfetched runs: %v, want ErrRunsLeft\n%s", err, out.String())
	}
	fetched := t.TempDir()
	if n, err := Fetch(ctx, c, fleet, fetched, &out); err != nil || n != 2 {
		t.Fatalf("fetch: %d %v", n, err)
	}
	if b, err := os.ReadFile(filepath.Join(fetched, "20261130-print-fleet", "summary.json")); err != nil || string(b) != `{"agents":3000}` {
		t.Errorf("fetched summary: %q %v", b, err)
	}
	for range 2 { // idempotent
		out.Reset()
		if err := Down(ctx, c, fleet, DownOptions{DiscardRuns: true}, &out); err != nil {
			t.Fatalf("down: %v\n%s", err, out.String())
		}
		t.Logf("down:\n%s", out.String())
		if got := takeInventory(t, c, fleet); got != (inventory{}) {
			t.Fatalf("after down: %+v, want nothing", got)
		}
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
