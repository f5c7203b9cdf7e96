package wire

import "time"

// Range is a contiguous block of agent numbers [First, First+Count).
type Range struct {
	First int `json:"first"`
	Count int `json:"count"`
}

// End returns one past the last agent of the range.
func (r Range) End() int { return r.First + r.Count }

// Assignment is one worker's share of the run.
type Assignment struct {
	Worker string `json:"worker"`
	Agents Range  `json:"agents"`
}

// ShardMaterial is what a worker needs to mint the certificates of one
// intermediate itself: its certificate and key and the secret the leaf
// keys are derived from. A worker gets the material of an agent shard only
// when it owns every agent of that shard, and the material of its own
// service intermediate (Index -1). It travels only inside the cluster,
// encrypted with the cluster key.
type ShardMaterial struct {
	Index   int    `json:"index"`
	CertPEM []byte `json:"cert_pem"`
	KeyPEM  []byte `json:"key_pem"`
	Secret  []byte `json:"secret"`
}

// ShardLeaves are the certificates of some agents of a shard whose other
// agents belong to another worker (a plan boundary or a takeover splits the
// shard): minted by the coordinator, with the intermediate's certificate to
// present with them, but not its key or secret, with which the worker could
// mint the other worker's agents.
type ShardLeaves struct {
	Index   int    `json:"index"`
	CertPEM []byte `json:"cert_pem"` // the shard's intermediate certificate
	Leaves  []Leaf `json:"leaves"`
}

// Leaf is one agent's certificate and private key.
type Leaf struct {
	Agent int    `json:"agent"`
	Cert  []byte `json:"cert"` // DER
	Key   []byte `json:"key"`  // the ECDSA P-256 private scalar, 32 bytes
}

// Assign gives a worker its part of a run: the scenario, the target and
// the identities of its agents.
type Assign struct {
	RunID      string `json:"run_id"`
	Worker     string `json:"worker"`
	Scenario   []byte `json:"scenario"` // scenario YAML, every default filled in
	Target     string `json:"target"`   // broker host:port, or several separated by commas (a worker before them refuses a list)
	ServerName string `json:"server_name"`
	Agents     Range  `json:"agents"`
	Services   int    `json:"services"`
	RootPEM    []byte `json:"root_pem"`
	ShardSize  int    `json:"shard_size"`
	// Shards are the agent shards whose every agent the worker owns.
	Shards []ShardMaterial `json:"shards"`
	// Leaves are its agents in shards it shares with other workers.
	// Since version 4.
	Leaves []ShardLeaves `json:"leaves,omitempty"`
	// ServiceIssuer is the intermediate of the worker's own print-service
	// identities (pki.ServiceID(Worker, i)). Since version 4.
	ServiceIssuer ShardMaterial `json:"service_issuer"`
	// LossGrace is how long the coordinator waits before giving a silent
	// worker's agents to others; a worker cut off longer stops reconnecting
	// its own sessions (they may belong to others by then).
	LossGrace time.Duration `json:"loss_grace"`
	// ALPN are the protocols offered in each TLS handshake (AWS IoT on
	// port 443 needs x-amzn-mqtt-ca). Since version 2.
	ALPN []string `json:"alpn,omitempty"`
	// ServerCAPEM, when set, is the only trust anchor for the broker's
	// certificate (a broker whose certificate another CA signed); empty:
	// RootPEM. Since version 2.
	ServerCAPEM []byte `json:"server_ca_pem,omitempty"`
	// Limits are the target's limits the worker enforces. Since version 2.
	Limits Limits `json:"limits,omitzero"`
	// JITP says the target provisions certificates just in time (AWS IoT
	// JITP): it drops each new agent's first connect, which the worker then
	// counts apart (jitp_first_connect). Optional, so no new version: a
	// worker that ignores it counts those drops as connect_closed.
	JITP bool `json:"jitp,omitempty"`
}

// Limits are a target's limits that workers enforce; zero means none.
type Limits struct {
	// ConnectBudget is CONNECTs per second for the whole fleet; each
	// worker takes its share in proportion to the agents it owns.
	ConnectBudget float64 `json:"connect_budget,omitempty"`
	// PublishRate is publishes per second per connection.
	PublishRate float64 `json:"publish_rate,omitempty"`
}

// Phase names of the run's barriers.
const (
	PhaseConnect  = "connect"
	PhaseDispatch = "dispatch"
	PhaseDrain    = "drain"
	PhaseStop     = "stop"
	// PhaseAssigned is the worker's acknowledgement of an Assign, in a
	// PhaseDone. Messages travel on separate TCP connections and may
	// overtake each other, so the coordinator sends no command before it.
	PhaseAssigned = "assigned"
)

// Phase tells a worker to run one phase; for dispatch, Start is the shared
// instant the open-model schedule starts from.
type Phase struct {
	RunID string    `json:"run_id"`
	Name  string    `json:"name"`
	Start time.Time `json:"start,omitzero"`
}

// PhaseDone reports that a worker finished a phase.
type PhaseDone struct {
	RunID     string `json:"run_id"`
	Name      string `json:"name"`
	Connected int    `json:"connected,omitempty"` // connect: agents connected
	Lost      int    `json:"lost,omitempty"`      // drain: jobs declared lost at the end
	// Took is how long the phase took (a takeover: connecting the new agents).
	Took time.Duration `json:"took,omitempty"`
	// LastSnapshot is, on stop, the sequence number of the worker's final
	// snapshot: it travels on another connection and may arrive after this
	// report, so the coordinator waits for it before closing its books.
	LastSnapshot uint64 `json:"last_snapshot,omitempty"`
	Err          string `json:"err,omitempty"`
}

// Job identifies one job of the run and when it was due.
type Job struct {
	Agent    int    `json:"a"`
	Seq      uint32 `json:"s"`
	Intended int64  `json:"t"` // unix ns
}

// Takeover hands a lost worker's agents to a survivor. The survivor
// connects them (their persistent sessions still hold queued jobs),
// tracks the jobs the lost worker left outstanding (Inherited), and, once
// dispatching, sends their jobs due from Since on.
type Takeover struct {
	RunID     string    `json:"run_id"`
	From      string    `json:"from"`
	Agents    []Range   `json:"agents"`
	Since     time.Time `json:"since"`
	Inherited []Job     `json:"inherited,omitempty"`
	// Shards and Leaves are the material of exactly the agents taken over,
	// as in Assign.
	Shards []ShardMaterial `json:"shards,omitempty"`
	Leaves []ShardLeaves   `json:"leaves,omitempty"`
}
