package awsiot

import (
	"fmt"
	"regexp"
)

// regionPattern matches the region names of every AWS partition: the
// SDK's partitions.json regionRegex values (aws, aws-cn, aws-us-gov,
// aws-iso*, aws-eusc) in one expression.
var regionPattern = regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-\w+-\d+$`)

// CheckRegion refuses a region name no AWS partition can have, such as
// "useast1" or "us_east_1". The SDK itself accepts any string and only
// fails when the endpoint iot.<region>.amazonaws.com does not resolve (the
// error a well-formed but unknown region such as us-nowhere-9 gets, made
// clear by the first call's error: see describeTransport).
func CheckRegion(region string) error {
	if !regionPattern.MatchString(region) {
		return fmt.Errorf("unknown AWS region %q: regions look like us-east-1 or eu-west-2 (nothing was sent)", region)
	}
	return nil
}
