package scenarios

import "math"

// golden is the splitmix64 increment (2^64 / phi).
const golden = 0x9e3779b97f4a7c15

// Purposes keep the draws for different uses of the same agent independent.
const (
	purposeJobs      = 1 // jobs per week of an agent (basis mix)
	purposeArrivals  = 2 // inter-arrival times of an agent's jobs
	purposeExecution = 3 // execution time of an agent's job
)

// mix64 is the splitmix64 finaliser: a bijective, well-mixing hash of z.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamKey derives the key of one agent's stream of draws for one purpose.
func streamKey(seed uint64, purpose uint64, agent int) uint64 {
	return mix64(mix64(seed^(purpose*golden)) + uint64(agent))
}

// streamAt returns the k-th draw of the stream with the given key; it is the
// k-th output of a splitmix64 generator seeded with key, computed directly.
func streamAt(key, k uint64) uint64 {
	return mix64(key + k*golden)
}

// unit maps a draw to a float64 uniform in [0, 1).
func unit(x uint64) float64 {
	return float64(x>>11) * 0x1p-53
}

// expDraw maps a draw to an exponential variate with mean 1; never +Inf.
func expDraw(x uint64) float64 {
	return -math.Log1p(-unit(x))
}
