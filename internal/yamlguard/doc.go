// Package yamlguard reads the YAML files people hand mqherd (scenarios,
// targets, prices, scoring) within bounds, before the YAML parser builds
// anything from them: a size limit, regular files only, and a scan of the
// parser's own tokens (linear in the file's size) that refuses deep
// nesting (the parser's cost grows with the square of the depth), more
// aliases than a real file needs, and merge keys past a small count (a
// "billion laughs" or a merge-key bomb of a few hundred bytes otherwise
// takes gigabytes or minutes). Each refusal names the file, the line and
// the limit.
//
// It imports no other mqherd package; of the YAML library, only its tokenizer.
package yamlguard
