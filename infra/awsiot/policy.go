package awsiot

import (
	"encoding/json"
	"fmt"
	"io"
)

// arnPrefix starts every resource ARN in mqherd's policies. It uses
// wildcards for region and account, not this account's: an AWS IoT policy
// is evaluated only for connections to the account and region that hold
// it, so naming them grants nothing less, while the wildcards keep the
// documents identical everywhere (one golden file; `mqherd aws policy`
// prints them with no credentials and no call to AWS). The account is not
// in any cheap context either: it would cost an STS call or a created
// resource's ARN before the policy exists.
const arnPrefix = "arn:aws:iot:*:*:"

// thingVar is the policy variable AWS IoT sets to the thing attached to
// the connecting certificate when the client ID equals that thing's name.
const thingVar = "${iot:Connection.Thing.ThingName}"

type statement struct {
	Effect    string                       `json:"Effect"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

type document struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// attached is the condition that the connecting certificate is attached
// to the thing named like the client ID, which ${iot:Connection.Thing.*}
// needs and which makes a detached or foreign certificate useless.
var attached = map[string]map[string]string{"Bool": {"iot:Connection.Thing.IsAttached": "true"}}

// AgentPolicy is the document of every agent's policy: connect only as its
// own thing, subscribe to and receive only its own jobs topic, publish
// only its own status topic.
func AgentPolicy() string {
	own := "agents/" + thingVar
	return render(document{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Action: "iot:Connect", Resource: arnPrefix + "client/" + thingVar, Condition: attached},
		{Effect: "Allow", Action: "iot:Subscribe", Resource: arnPrefix + "topicfilter/" + own + "/jobs"},
		{Effect: "Allow", Action: "iot:Receive", Resource: arnPrefix + "topic/" + own + "/jobs"},
		{Effect: "Allow", Action: "iot:Publish", Resource: arnPrefix + "topic/" + own + "/status"},
	}})
}

// ServicePolicy is the document of the print-service identities' policy:
// publish any agent's jobs topic, subscribe to and receive any agent's
// status topic. It connects like an agent, as its own attached thing
// (service-w0-0 ...), which is narrower than client/service-* with
// ${iot:ClientId} (that would let one service certificate take another's
// client ID and disconnect it).
func ServicePolicy() string {
	return render(document{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Action: "iot:Connect", Resource: arnPrefix + "client/" + thingVar, Condition: attached},
		{Effect: "Allow", Action: "iot:Publish", Resource: arnPrefix + "topic/agents/*/jobs"},
		{Effect: "Allow", Action: "iot:Subscribe", Resource: arnPrefix + "topicfilter/agents/*/status"},
		{Effect: "Allow", Action: "iot:Receive", Resource: arnPrefix + "topic/agents/*/status"},
	}})
}

// render encodes a document with two-space indentation, keys in the
// order AWS's examples use.
func render(d document) string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // a static document always encodes
	}
	return string(b)
}

// WritePolicies writes both policy documents of fleet, each under a
// heading naming the policy, for review.
func WritePolicies(w io.Writer, fleet string) error {
	_, err := fmt.Fprintf(w, "# policy %s (attached to every agent certificate)\n%s\n\n# policy %s (attached to every print-service certificate)\n%s\n",
		AgentPolicyName(fleet), AgentPolicy(), ServicePolicyName(fleet), ServicePolicy())
	return err
}
