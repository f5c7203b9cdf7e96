package awsfake

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
)

// apiError is an AWS error as the restJson1 and awsJson1.1 protocols carry
// it: an HTTP status, the error code in the X-Amzn-ErrorType header (and as
// __type in the body, which awsJson1.1 clients read) and {"message": ...}.
type apiError struct {
	status int
	code   string
	msg    string
	fields map[string]string // more members of the error shape, e.g. resourceId
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

// AWS IoT's errors, with the HTTP status its API reference gives each.
func notFound(msg string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", msg: msg}
}
func invalidRequest(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidRequestException", msg: msg}
}
func deleteConflict(msg string) *apiError {
	return &apiError{status: http.StatusConflict, code: "DeleteConflictException", msg: msg}
}
func certificateState(msg string) *apiError {
	return &apiError{status: http.StatusNotAcceptable, code: "CertificateStateException", msg: msg}
}
func certificateValidation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "CertificateValidationException", msg: msg}
}

// alreadyExists names the existing resource, as AWS's
// ResourceAlreadyExistsException does (resourceId, resourceArn).
func alreadyExists(msg, id, arn string) *apiError {
	return &apiError{status: http.StatusConflict, code: "ResourceAlreadyExistsException", msg: msg,
		fields: map[string]string{"resourceId": id, "resourceArn": arn}}
}

// throttled is what the fake answers when a fault says so. AWS IoT's API
// reference gives ThrottlingException HTTP 400; the fake sends 429 (the
// status other AWS services use): the SDK's retryer classifies it by its
// code either way.
func throttled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "ThrottlingException", msg: "Rate exceeded"}
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("X-Amzn-ErrorType", e.code)
	body := map[string]string{"__type": e.code, "message": e.msg}
	for k, v := range e.fields {
		body[k] = v
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"awsfake: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client went away: nothing to do
}

// decode reads a JSON request body into v; an empty body leaves v alone.
func decode(r *http.Request, v any) *apiError {
	if r.ContentLength == 0 {
		return nil
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return invalidRequest("awsfake: request body is not JSON: " + err.Error())
	}
	return nil
}

// page returns the page of the sorted keys that starts at token (an
// offset, opaque to clients) and the token of the next page ("" at the end).
func page(keys []string, token string, size, def int) ([]string, string) {
	sort.Strings(keys)
	if size <= 0 || size > 250 {
		size = def
	}
	start, _ := strconv.Atoi(token)
	start = min(max(start, 0), len(keys))
	end := min(start+size, len(keys))
	next := ""
	if end < len(keys) {
		next = strconv.Itoa(end)
	}
	return keys[start:end], next
}

// queryInt reads an integer query parameter (0 if absent or malformed).
func queryInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(r.URL.Query().Get(name))
	return n
}
