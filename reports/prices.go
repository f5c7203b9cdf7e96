package reports

import _ "embed" // the built-in price file

//go:embed defaults/prices.yaml
var defaultPricesYAML []byte

// Prices holds the list prices and labour assumptions of a cost estimate,
// from a user-editable file. Build it with LoadPrices.
type Prices struct {
	Region  string            `yaml:"region"`        // region of every price
	IoTCore AWSIoTPrices      `yaml:"aws_iot"`       // AWS IoT Core, usage-based
	EC2     map[string]Price  `yaml:"ec2_on_demand"` // per instance-hour, by instance type
	EBSGP3  Price             `yaml:"ebs_gp3"`       // per GB-month
	Cluster SelfHostedCluster `yaml:"self_hosted"`   // the self-hosted cluster priced
	Source  string            `yaml:"-"`             // the file it was loaded from, or "built-in"
}

// Price is one list price as read by hand from a public page.
type Price struct {
	USD    float64 `yaml:"usd"`    // US dollars per unit, 0..1e9
	Unit   string  `yaml:"unit"`   // what one unit is
	Date   string  `yaml:"date"`   // when it was read, YYYY-MM-DD
	Source string  `yaml:"source"` // URL or document it was read from
}

// PriceTier is one messaging tier of AWS IoT Core.
type PriceTier struct {
	UpToMessages float64 `yaml:"up_to_messages"` // cumulative metered messages per month covered; 0 on the last tier
	Price        `yaml:",inline"`
}

// Labour holds the effort assumptions of running a target: setup is CAPEX,
// operations OPEX.
type Labour struct {
	SetupHours       float64 `yaml:"setup_hours"`         // one-off effort, hours
	SetupUSDPerHour  float64 `yaml:"setup_usd_per_hour"`  // USD per setup hour
	OpsHoursPerMonth float64 `yaml:"ops_hours_per_month"` // running effort, hours per month
	OpsUSDPerHour    float64 `yaml:"ops_usd_per_hour"`    // USD per operations hour
}

// AWSIoTPrices holds the AWS IoT Core prices and labour assumptions.
type AWSIoTPrices struct {
	Connectivity          Price `yaml:"connectivity"`            // per million connection-minutes
	MessageIncrementBytes int   `yaml:"message_increment_bytes"` // metering increment, 5120
	// LegsMetered is how many metered messages one delivered message makes:
	// 2 when both ends are MQTT clients of IoT Core (the publish into it and
	// the delivery out of it are each metered).
	LegsMetered int         `yaml:"legs_metered"`
	Messaging   []PriceTier `yaml:"messaging"` // tiers, in order
	// RegistryOperations prices registry calls (things, certificates,
	// policies): what `mqherd aws provision` and `teardown` spend. Optional.
	RegistryOperations *Price `yaml:"registry_operations"`
	Labour             `yaml:",inline"`
}

// SelfHostedCluster describes the self-hosted broker cluster priced.
type SelfHostedCluster struct {
	Brokers            int     `yaml:"brokers"`               // instances, >= 1
	Instance           string  `yaml:"instance"`              // an ec2_on_demand instance type
	StorageGBPerBroker float64 `yaml:"storage_gb_per_broker"` // EBS gp3 GB per broker
	Labour             `yaml:",inline"`
}

// LoadPrices reads a price file; path "" loads the built-in one. The error
// lists every problem, each naming the file, the field and what is allowed.
func LoadPrices(path string) (*Prices, error) {
	label, source, data, err := readOrBuiltin(path, "prices.yaml", defaultPricesYAML)
	if err != nil {
		return nil, err
	}
	p := &Prices{}
	if err := decodeStrictYAML(label, data, p); err != nil {
		return nil, err
	}
	p.Source = source
	if err := p.validate(label); err != nil {
		return nil, err
	}
	return p, nil
}

// label names the price file in estimates and errors.
func (p *Prices) label() string {
	if p.Source == builtInSource || p.Source == "" {
		return "built-in prices.yaml"
	}
	return p.Source
}
