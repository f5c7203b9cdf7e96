package reports

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/scenarios"
)

// studyInput is the reference study's traffic: 500,000 agents at the
// study's 496.032 msg/s average, 256-byte payloads.
func studyInput() CostInput {
	return CostInput{Agents: 500000, AvgMsgsPerSec: 496.032, BusyMsgsPerSec: 6000, PayloadBytes: 256}
}

// builtInPrices loads the built-in price file.
func builtInPrices(t *testing.T) *Prices {
	t.Helper()
	p, err := LoadPrices("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// near reports whether got is within a micro-dollar of want.
func near(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

func TestCostAWSIoTOfTheStudyProfile(t *testing.T) {
	t.Parallel()
	in := studyInput()
	if got := in.MonthlyMessages(); math.Abs(got-1_303_572_096) > 1e-3 {
		t.Fatalf("MonthlyMessages = %f, want 496.032 x 2,628,000 = 1,303,572,096", got)
	}
	e := builtInPrices(t).AWSIoT(in)
	want := []struct {
		item     string
		quantity float64
		usd      float64
	}{
		{"connectivity", 21_900, 1752.00}, // 500,000 x 43,800 / 1e6 x $0.08
		// 1,303,572,096 messages, each metered twice (publish in, delivery out): 2,607,144,192
		{"messaging, first 1,000 M (2 metered per message)", 1000, 1000.00},                  // 1e9 x $1 / 1e6
		{"messaging, 1,000 M to 5,000 M (2 metered per message)", 1607.144192, 1285.7153536}, // 1,607,144,192 x $0.80 / 1e6
		{"operations labour", 0, 0},
	}
	if len(e.OPEX) != len(want) {
		t.Fatalf("OPEX has %d lines, want %d: %+v", len(e.OPEX), len(want), e.OPEX)
	}
	for k, w := range want {
		l := e.OPEX[k]
		if l.Item != w.item || !near(l.Quantity, w.quantity) || !near(l.USD, w.usd) {
			t.Errorf("OPEX[%d] = %q %g -> $%f, want %q %g -> $%f", k, l.Item, l.Quantity, l.USD, w.item, w.quantity, w.usd)
		}
	}
	if !near(e.MonthlyOPEXUSD, 4037.7153536) || !near(e.CAPEXUSD, 16000) || !near(e.FirstYearUSD, 16000+12*4037.7153536) {
		t.Errorf("totals CAPEX $%f, OPEX $%f/month, first year $%f", e.CAPEXUSD, e.MonthlyOPEXUSD, e.FirstYearUSD)
	}
	if e.OPEX[0].PriceDate != "2026-11-01" || e.OPEX[0].PriceSource != "https://aws.amazon.com/iot-core/pricing/" {
		t.Errorf("connectivity price from %s %s", e.OPEX[0].PriceDate, e.OPEX[0].PriceSource)
	}
}

func TestCostMessagingTierBoundaries(t *testing.T) {
	t.Parallel()
	tiers := builtInPrices(t).IoTCore.Messaging
	tests := []struct {
		name    string
		metered float64
		usd     []float64
	}{
		{"none", 0, []float64{0}},
		{"exactly 1e9", 1e9, []float64{1000}},
		{"1e9+1", 1e9 + 1, []float64{1000, 0.8e-6}},
		{"exactly 5e9", 5e9, []float64{1000, 3200}},
		{"5e9+1", 5e9 + 1, []float64{1000, 3200, 0.7e-6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := splitTiers(tt.metered, 1, tiers)
			if len(lines) != len(tt.usd) {
				t.Fatalf("%d lines, want %d: %+v", len(lines), len(tt.usd), lines)
			}
			for k, want := range tt.usd {
				if math.Abs(lines[k].USD-want) > 1e-12 {
					t.Errorf("tier %d: $%g, want $%g", k, lines[k].USD, want)
				}
			}
		})
	}
}

func TestCostMetersPayloadIn5KBIncrements(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ bytes, units int }{{0, 1}, {256, 1}, {5120, 1}, {5121, 2}, {6000, 2}, {10241, 3}} {
		if got := (CostInput{PayloadBytes: tt.bytes}).MeteredUnits(5120); got != tt.units {
			t.Errorf("%d bytes count %d units, want %d", tt.bytes, got, tt.units)
		}
	}
	in := studyInput()
	in.PayloadBytes = 6000
	e := builtInPrices(t).AWSIoT(in)
	// 2 increments x 2 legs x 1,303,572,096 = 5,214,288,384 metered:
	// 1e9 x $1 + 4e9 x $0.80 + 214,288,384 x $0.70 per million
	messaging := e.OPEX[1].USD + e.OPEX[2].USD + e.OPEX[3].USD
	if want := 1000 + 4000*0.8 + 214.288384*0.7; !near(messaging, want) {
		t.Errorf("messaging of 6,000-byte messages $%f, want $%f", messaging, want)
	}
	if want := "messaging, first 1,000 M (4 metered per message)"; e.OPEX[1].Item != want {
		t.Errorf("item %q, want %q", e.OPEX[1].Item, want)
	}
}

func TestCostSelfHostedDefaultCluster(t *testing.T) {
	t.Parallel()
	e := builtInPrices(t).SelfHosted(studyInput())
	// 4 x 730 h x $0.398 = $1,162.16; 4 x 100 GB x $0.08 = $32; 40 h x $100 = $4,000
	want := []float64{1162.16, 32, 4000}
	for k, w := range want {
		if !near(e.OPEX[k].USD, w) {
			t.Errorf("OPEX[%d] %s = $%f, want $%f", k, e.OPEX[k].Item, e.OPEX[k].USD, w)
		}
	}
	if !near(e.CAPEXUSD, 32000) || !near(e.MonthlyOPEXUSD, 5194.16) || !near(e.FirstYearUSD, 32000+12*5194.16) {
		t.Errorf("totals CAPEX $%f, OPEX $%f/month, first year $%f", e.CAPEXUSD, e.MonthlyOPEXUSD, e.FirstYearUSD)
	}
}

func TestCostInputOfTheStudyScenario(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Builtin("print-fleet-study")
	if err != nil {
		t.Fatal(err)
	}
	in := CostInputOf(sc.Profile(scenarios.BasisStudy), sc.PayloadBytes)
	if in.Agents != 500000 || math.Abs(in.AvgMsgsPerSec-496.032) > 1e-3 ||
		math.Abs(in.BusyMsgsPerSec-6000) > 1e-9 || in.PayloadBytes != 256 {
		t.Errorf("CostInputOf = %+v, want the study's 500,000 agents, 496.032 and 6,000 msg/s, 256 bytes", in)
	}
}

func TestLoadPricesRejectsBadFilesNamingFileAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"negative price", "usd: 0.08\n    unit: million connection-minutes", "usd: -0.08\n    unit: million connection-minutes",
			"aws_iot.connectivity.usd: -0.08 out of range, must be >= 0"},
		{"missing date", "unit: GB-month\n  date: 2026-11-01\n", "unit: GB-month\n",
			`ebs_gp3.date: "" is not a date; want the day the price was read, YYYY-MM-DD`},
		{"bad date", "m5.large:   {usd: 0.096, unit: instance-hour, date: 2026-11-01",
			"m5.large:   {usd: 0.096, unit: instance-hour, date: 01/11/2026",
			`ec2_on_demand.m5.large.date: "01/11/2026" is not a date`},
		{"unknown instance", "instance: c4.2xlarge", "instance: c9.huge",
			`self_hosted.instance: "c9.huge" is not priced; known instance types (ec2_on_demand): c4.2xlarge, c4.xlarge, c5.2xlarge, c5.xlarge, m5.large`},
		{"no brokers", "brokers: 4", "brokers: 0", "self_hosted.brokers: 0 out of range, must be >= 1"},
		{"negative labour", "ops_hours_per_month: 40", "ops_hours_per_month: -1",
			"self_hosted.ops_hours_per_month: -1 out of range, must be >= 0"},
		{"tiers out of order", "up_to_messages: 5000000000", "up_to_messages: 500",
			"aws_iot.messaging[1].up_to_messages: 500; every tier but the last needs an upper bound above 1e+09"},
		{"bounded last tier", "    - usd: 0.70", "    - up_to_messages: 9000000000\n      usd: 0.70",
			"aws_iot.messaging[2].up_to_messages: 9e+09 on the last tier; leave it out"},
		{"legs out of range", "legs_metered: 2", "legs_metered: 3",
			"aws_iot.legs_metered: 3 out of range, allowed: 1 (only one end is an IoT Core client) or 2"},
		{"misspelt field", "ops_hours_per_month: 40", "ops_hours_per_mnth: 40", `unknown field "ops_hours_per_mnth"`},
		// Found by FuzzLoadPrices: accepted, they priced the fleet at +Inf,
		// which summary.json cannot encode.
		{"infinite price", "usd: 0.08\n    unit: million connection-minutes", "usd: .inf\n    unit: million connection-minutes",
			"aws_iot.connectivity.usd: +Inf out of range, must be >= 0 and at most 1e+09"},
		{"infinite labour", "ops_hours_per_month: 40", "ops_hours_per_month: .inf",
			"self_hosted.ops_hours_per_month: +Inf out of range, must be >= 0 and at most 1e+09"},
		{"overflowing storage", "storage_gb_per_broker: ", "storage_gb_per_broker: 1e308 #",
			"self_hosted.storage_gb_per_broker: 1e+308 out of range, must be >= 0 and at most 1e+09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(defaultPricesYAML)
			if !strings.Contains(text, tt.old) {
				t.Fatalf("built-in prices.yaml lacks %q", tt.old)
			}
			path := filepath.Join(t.TempDir(), "prices.yaml")
			if err := os.WriteFile(path, []byte(strings.Replace(text, tt.old, tt.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPrices(path)
			if err == nil {
				t.Fatal("LoadPrices accepted the file")
			}
			for _, want := range []string{path + ":", tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestWriteCostMarkdownShowsInputsTablesAndComparison(t *testing.T) {
	t.Parallel()
	p := builtInPrices(t)
	in := studyInput()
	var b strings.Builder
	if err := WriteCostMarkdown(&b, in, []CostEstimate{p.AWSIoT(in), p.SelfHosted(in)}, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| agents | 500,000 |\n",
		"| messages per month | 1,303,572,096 (average rate × 2,628,000 s, a 730-hour month) |\n",
		"read 2026-11-01 from https://aws.amazon.com/iot-core/pricing/, https://aws.amazon.com/ec2/pricing/on-demand/",
		"list prices copied by hand, not fetched and not quotes",
		"### aws-iot\n",
		"| CAPEX | setup labour | 160 | hour | $100.00 | $16,000.00 |\n",
		"| OPEX | connectivity | 21,900 | million connection-minutes | $0.08 | $1,752.00 |\n",
		"|  | messaging, 1,000 M to 5,000 M (2 metered per message) | 1,607.144 | million messages | $0.80 | $1,285.72 |\n",
		"|  | **OPEX per month** |  |  |  | **$4,037.72** |\n",
		"| OPEX | 4 x c4.2xlarge brokers | 2,920 | instance-hour | $0.398 | $1,162.16 |\n",
		"|  | **First year (CAPEX + 12 × OPEX)** |  |  |  | **$94,329.92** |\n",
		"Lowest: aws-iot, $29,877.34 less than self-hosted.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, b.String())
		}
	}
}
