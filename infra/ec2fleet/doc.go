// Package ec2fleet launches, watches and tears down an mqherd load fleet on
// EC2 (`mqherd fleet up|status|down|attach|fetch`) and holds the step every
// instance runs at boot (`mqherd bootstrap`): host tuning, the cluster key
// from SSM, secondary source addresses, and the worker or coordinator as a
// service.
//
// It is the ONLY package that imports aws-sdk-go-v2's service/ec2 (a 3.4 GB,
// ~65-100 s compile); S3, SSM, IAM and STS are used from here too. It must
// not import the coordinator, the workers or the reports: prices and the
// scenario's agent count come in through Config.
package ec2fleet
