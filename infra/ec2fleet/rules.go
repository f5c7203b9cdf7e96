package ec2fleet

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// IngressRules is everything the fleet's security group lets in: the
// cluster port, TCP and UDP, only from members of the group itself, and SSH
// only from sshCIDR when given. Nothing else.
func IngressRules(groupID string, clusterPort int, sshCIDR string) []types.IpPermission {
	self := []types.UserIdGroupPair{{GroupId: aws.String(groupID), Description: aws.String("members of this mqherd fleet")}}
	port := aws.Int32(int32(clusterPort))
	rules := []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: port, ToPort: port, UserIdGroupPairs: self},
		{IpProtocol: aws.String("udp"), FromPort: port, ToPort: port, UserIdGroupPairs: self},
	}
	if sshCIDR != "" {
		rules = append(rules, types.IpPermission{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String(sshCIDR), Description: aws.String("SSH from --ssh-cidr")}},
		})
	}
	return rules
}
