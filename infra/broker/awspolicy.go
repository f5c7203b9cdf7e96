package broker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// An AWS IoT policy, evaluated the way AWS IoT Core evaluates the subset
// mqherd's fleet uses (IAM's rules):
//
//   - Statement: one object or a list; Effect Allow or Deny; Action and
//     Resource a string or a list; Sid is ignored.
//   - Actions iot:Connect, iot:Publish, iot:Subscribe, iot:Receive and
//     patterns of them (iot:*, *), matched without regard to case.
//   - Resources are ARNs with * (any run of characters, / included) and ?
//     (one character), and the policy variables ${iot:ClientId} and
//     ${iot:Connection.Thing.ThingName} (the client ID, when a thing of that
//     name is attached to the certificate; otherwise the variable has no
//     value and the resource matches nothing), plus IAM's escapes ${*}, ${?}
//     and ${$}. A variable's value matches itself only, never as a wildcard.
//   - Condition: only Bool on iot:Connection.Thing.IsAttached.
//   - An explicit Deny in any policy wins; then any Allow; anything else is
//     denied.
//
// Anything else (NotAction, NotResource, other condition operators or keys,
// other variables) makes the document unsupported: it is refused as a
// whole, so the emulation never allows more than AWS would.

// iotAction is an action a client's request needs.
type iotAction string

// The actions an MQTT client's requests need.
const (
	actionConnect   iotAction = "iot:Connect"
	actionPublish   iotAction = "iot:Publish"
	actionSubscribe iotAction = "iot:Subscribe"
	actionReceive   iotAction = "iot:Receive"
)

// policyRequest is one request to authorize: an action on a resource ARN,
// with the connection's variables.
type policyRequest struct {
	action   iotAction
	resource string
	vars     policyVars
}

// policyVars are the values of the policy variables for one connection.
type policyVars struct {
	clientID string
	// thingName is the client ID when a thing of that name is attached to
	// the certificate (iot:Connection.Thing.IsAttached), else empty.
	thingName string
}

// policyDoc is a parsed policy document.
type policyDoc struct {
	statements []statement
}

type statement struct {
	allow      bool
	actions    []string  // lower-case patterns
	resources  []pattern // ARN patterns
	isAttached *bool     // Condition Bool iot:Connection.Thing.IsAttached, when present
}

// evaluate decides req under policies: an explicit Deny wins, then an
// Allow; anything not allowed is denied.
func evaluate(policies []*policyDoc, req policyRequest) bool {
	allowed := false
	for _, p := range policies {
		for _, st := range p.statements {
			if !st.applies(req) {
				continue
			}
			if !st.allow {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// applies reports whether the statement covers req.
func (st statement) applies(req policyRequest) bool {
	if st.isAttached != nil && *st.isAttached != (req.vars.thingName != "") {
		return false
	}
	action := strings.ToLower(string(req.action))
	actionMatch := false
	for _, a := range st.actions {
		if globMatch([]token{{text: a}}, action, true) {
			actionMatch = true
			break
		}
	}
	if !actionMatch {
		return false
	}
	for _, r := range st.resources {
		if r.match(req.resource, req.vars) {
			return true
		}
	}
	return false
}

// rawPolicy is the JSON shape of a policy document.
type rawPolicy struct {
	Version   string          `json:"Version"`
	ID        string          `json:"Id"`
	Statement json.RawMessage `json:"Statement"`
}

type rawStatement struct {
	Sid       string                                `json:"Sid"`
	Effect    string                                `json:"Effect"`
	Action    stringOrList                          `json:"Action"`
	Resource  stringOrList                          `json:"Resource"`
	Condition map[string]map[string]json.RawMessage `json:"Condition"`
}

// parsePolicy parses a policy document; an error names what is not
// supported or malformed.
func parsePolicy(doc string) (*policyDoc, error) {
	var raw rawPolicy
	if err := strictUnmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	var list []rawStatement
	if err := strictUnmarshal(raw.Statement, &list); err != nil {
		var one rawStatement
		if err1 := strictUnmarshal(raw.Statement, &one); err1 != nil {
			return nil, fmt.Errorf("policy document: Statement: %w", err)
		}
		list = []rawStatement{one}
	}
	p := &policyDoc{}
	for i, rs := range list {
		st, err := rs.parse()
		if err != nil {
			return nil, fmt.Errorf("policy document: statement %d: %w", i, err)
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func (rs rawStatement) parse() (statement, error) {
	var st statement
	switch rs.Effect {
	case "Allow":
		st.allow = true
	case "Deny":
	default:
		return st, fmt.Errorf("field Effect %q: want Allow or Deny", rs.Effect)
	}
	if len(rs.Action) == 0 || len(rs.Resource) == 0 {
		return st, errors.New("fields Action and Resource are required (NotAction and NotResource are not supported)")
	}
	for _, a := range rs.Action {
		st.actions = append(st.actions, strings.ToLower(a))
	}
	for _, r := range rs.Resource {
		p, err := parsePattern(r)
		if err != nil {
			return st, fmt.Errorf("resource %q: %w", r, err)
		}
		st.resources = append(st.resources, p)
	}
	cond, err := parseCondition(rs.Condition)
	st.isAttached = cond
	return st, err
}

// parseCondition reads the one condition supported: Bool
// iot:Connection.Thing.IsAttached.
func parseCondition(c map[string]map[string]json.RawMessage) (*bool, error) {
	var isAttached *bool
	for op, keys := range c {
		if op != "Bool" {
			return nil, fmt.Errorf("condition operator %q: only Bool is supported", op)
		}
		for key, raw := range keys {
			if !strings.EqualFold(key, "iot:Connection.Thing.IsAttached") {
				return nil, fmt.Errorf("condition key %q: only iot:Connection.Thing.IsAttached is supported", key)
			}
			v, err := parseBool(raw)
			if err != nil {
				return nil, fmt.Errorf("condition Bool %s: %w", key, err)
			}
			isAttached = &v
		}
	}
	return isAttached, nil
}

// parseBool reads "true", true or ["true"] (IAM takes all three).
func parseBool(raw json.RawMessage) (bool, error) {
	var vals stringOrList
	if err := json.Unmarshal(raw, &vals); err != nil || len(vals) != 1 {
		return false, fmt.Errorf("want one of true or false, got %s", raw)
	}
	switch strings.ToLower(vals[0]) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, got %q", vals[0])
}

// stringOrList is a JSON string or list of strings (booleans are read as
// their text, for Condition values).
type stringOrList []string

// UnmarshalJSON reads a string, a bool, or a list of them.
func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	items, isList := one.([]any)
	if !isList {
		items = []any{one}
	}
	*s = (*s)[:0]
	for _, it := range items {
		switch v := it.(type) {
		case string:
			*s = append(*s, v)
		case bool:
			*s = append(*s, fmt.Sprint(v))
		default:
			return fmt.Errorf("want a string or a list of strings, got %s", b)
		}
	}
	return nil
}

// strictUnmarshal refuses fields the target does not know (NotAction,
// Principal, ...), so an unsupported document is refused rather than read
// as something more permissive.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
