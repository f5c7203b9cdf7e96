package broker

import (
	"slices"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// authorizer decides what a client may do; policyHook counts its refusals
// and answers mochi. Its methods are called concurrently from mochi's
// client goroutines and must not block.
type authorizer interface {
	// connect decides a CONNECT (client ID, will topic) on cl's connection.
	connect(cl *mqtt.Client, pk packets.Packet) bool
	// publish decides a PUBLISH by cl to topic.
	publish(cl *mqtt.Client, topic string) bool
	// subscribe decides one topic filter of cl's SUBSCRIBE.
	subscribe(cl *mqtt.Client, filter string) bool
	// receive decides the delivery to cl of a message on topic.
	receive(cl *mqtt.Client, topic string) bool
}

// ownTopics is mqherd's own policy (policy.go): the certificate verified
// against the mqherd root names the client, if the intermediate that owns
// that name signed it (issuedByOwner), and an agent uses only its own
// topics.
type ownTopics struct {
	shardSize int // agents per shard intermediate
}

var _ authorizer = ownTopics{}

func (o ownTopics) connect(cl *mqtt.Client, pk packets.Packet) bool {
	chains, cn, err := peerChains(cl.Net.Conn)
	if err != nil || !allowConnect(pk.Connect.ClientIdentifier, cn) || !issuedByOwner(chains, cn, o.shardSize) {
		return false
	}
	return !pk.Connect.WillFlag || allowPublish(parseIdentity(cn), pk.Connect.WillTopic)
}

func (ownTopics) publish(cl *mqtt.Client, topic string) bool {
	return allowPublish(parseIdentity(cl.ID), topic)
}

func (ownTopics) subscribe(cl *mqtt.Client, filter string) bool {
	return allowSubscribe(parseIdentity(cl.ID), filter)
}

func (ownTopics) receive(cl *mqtt.Client, topic string) bool {
	return allowSubscribe(parseIdentity(cl.ID), topic)
}

// awsPolicies authorizes with the AWS IoT policies attached to the
// client's certificate (the principal the emulation admitted it with):
//
//	CONNECT    iot:Connect   arn:...:client/<client ID>   (and iot:Publish on a will topic)
//	PUBLISH    iot:Publish   arn:...:topic/<topic>
//	SUBSCRIBE  iot:Subscribe arn:...:topicfilter/<filter>
//	delivery   iot:Receive   arn:...:topic/<topic>
//
// The identity rule holds as in ownTopics: the client ID must equal the
// certificate's CN.
type awsPolicies struct{}

var _ authorizer = awsPolicies{}

// principal returns the client's principal and the policy variables of a
// connection as clientID.
func (awsPolicies) principal(cl *mqtt.Client, clientID string) (*principal, policyVars, bool) {
	ac, ok := cl.Net.Conn.(*awsConn)
	if !ok || ac.principal == nil {
		return nil, policyVars{}, false
	}
	vars := policyVars{clientID: clientID}
	if slices.Contains(ac.principal.things, clientID) {
		vars.thingName = clientID
	}
	return ac.principal, vars, true
}

func (a awsPolicies) allowed(cl *mqtt.Client, action iotAction, resource string) bool {
	p, vars, ok := a.principal(cl, cl.ID)
	return ok && evaluate(p.policies, policyRequest{action: action, resource: p.arnPrefix + resource, vars: vars})
}

func (a awsPolicies) connect(cl *mqtt.Client, pk packets.Packet) bool {
	id := pk.Connect.ClientIdentifier
	p, vars, ok := a.principal(cl, id)
	if !ok || !allowConnect(id, p.cn) {
		return false
	}
	if !evaluate(p.policies, policyRequest{action: actionConnect, resource: p.arnPrefix + "client/" + id, vars: vars}) {
		return false
	}
	return !pk.Connect.WillFlag ||
		evaluate(p.policies, policyRequest{action: actionPublish, resource: p.arnPrefix + "topic/" + pk.Connect.WillTopic, vars: vars})
}

func (a awsPolicies) publish(cl *mqtt.Client, topic string) bool {
	return a.allowed(cl, actionPublish, "topic/"+topic)
}

func (a awsPolicies) subscribe(cl *mqtt.Client, filter string) bool {
	return a.allowed(cl, actionSubscribe, "topicfilter/"+filter)
}

func (a awsPolicies) receive(cl *mqtt.Client, topic string) bool {
	return a.allowed(cl, actionReceive, "topic/"+topic)
}
