// Package awsiot drives AWS IoT Core for mqherd through aws-sdk-go-v2: it
// loads the caller's AWS configuration, registers the fleet mqherd's PKI
// defines (things, certificates, policies, shard CAs, just-in-time
// provisioning), reports and tears it down, finds the data endpoint, checks
// quotas, and reads AWS's own CloudWatch figures of a run.
//
// It must not import service/ec2 (a 3.4 GB compile; EC2 fleets live in
// their own package), nor the coordinator, the workers or the reports.
package awsiot
