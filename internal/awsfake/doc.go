// Package awsfake is an in-process AWS endpoint for tests: an httptest
// server that speaks the wire protocols of the few AWS operations mqherd
// uses (IoT's restJson1, CloudWatch's RPCv2 CBOR, Service Quotas' awsJson1.1)
// to the real aws-sdk-go-v2 clients, with the state and the faults a test
// needs (throttling, refused calls) and what moto lacks. It is written by
// hand: no generated mocks.
//
// It imports no mqherd package.
package awsfake
