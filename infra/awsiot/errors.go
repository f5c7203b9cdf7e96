package awsiot

import (
	"context"
	"errors"
	"net"
	"slices"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Error codes mqherd acts on.
const (
	codeNotFound       = "ResourceNotFoundException"
	codeExists         = "ResourceAlreadyExistsException"
	codeDeleteConflict = "DeleteConflictException"
	codeInvalid        = "InvalidRequestException"
	codeThrottling     = "ThrottlingException"
)

// authCodes are the answers that mean the caller, not one resource, is
// refused: nothing else will succeed either.
var authCodes = []string{"UnauthorizedException", "AccessDeniedException", "AccessDenied",
	"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken",
	"InvalidSignatureException", "SignatureDoesNotMatch", "MissingAuthenticationTokenException",
	"IncompleteSignature", "ForbiddenException"}

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// isCode reports whether err is an AWS error with one of codes.
func isCode(err error, codes ...string) bool {
	c := errorCode(err)
	return c != "" && slices.Contains(codes, c)
}

// isFatal reports whether err stops the whole command rather than one
// identity: the call never got an AWS answer (the endpoint is unreachable,
// or answered with something that is not AWS's protocol) or the caller's
// credentials were refused. Per-resource refusals (invalid request,
// conflict, throttling that outlasted every retry) are not fatal.
func isFatal(err error) bool {
	var foreign *foreignError
	if errors.As(err, &foreign) {
		return false
	}
	return errorCode(err) == "" || isCode(err, authCodes...)
}

// foreignError refuses a resource that exists but is not the fleet's.
type foreignError struct{ msg string }

func (e *foreignError) Error() string { return e.msg }

// brief returns "Code: message" for an AWS error, or the error text.
func brief(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}

// describeTransport explains an error that kept a call from reaching AWS,
// or returns "" if the call got an answer. An unknown but well-formed
// region fails here: its endpoint's name does not resolve.
func describeTransport(err error, region string) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "the endpoint's host " + dns.Name + " does not exist: is --region " + region + " an AWS region where IoT Core is offered?"
		}
		return "cannot resolve " + dns.Name + " (DNS: " + dns.Err + ")"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "the connection failed (" + op.Err.Error() + ")"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return ""
}

// notAWS returns the HTTP status of an answer that is not an AWS error
// (an HTML error page, an operation the endpoint does not implement), or 0.
func notAWS(err error) int {
	var re *awshttp.ResponseError
	if errorCode(err) == "" && errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
