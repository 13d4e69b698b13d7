package simworld

import (
	"fmt"
	"strings"
)

// mysqldGroups are the option-file groups mysqld 8.4 reads ("Using Option Files" in the manual).
var mysqldGroups = map[string]bool{"mysqld": true, "server": true, "mysqld-8.4": true}

// repeatable options add up instead of the last one winning: every plugin_load_add line loads one more library.
var repeatable = map[string]bool{"plugin_load_add": true}

// parseMyCnf reads the [mysqld] options of option files, in order (later files override earlier ones, as the
// files of /etc/mysql/conf.d do), into name -> value with names normalised to lower case and underscores.
// A bare option ("skip_replica_start") means ON. !include directives are ignored: Orca writes none.
func parseMyCnf(files ...string) (map[string]string, error) {
	opts := map[string]string{}
	for _, file := range files {
		if err := parseOneCnf(file, opts); err != nil {
			return nil, err
		}
	}
	return opts, nil
}

func parseOneCnf(file string, opts map[string]string) error {
	group := ""
	for i, raw := range strings.Split(file, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "", line[0] == '#', line[0] == ';', line[0] == '!':
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return fmt.Errorf("my.cnf line %d: unterminated group %q", i+1, line)
			}
			group = strings.ToLower(strings.TrimSpace(line[1:end]))
			continue
		case group == "":
			return fmt.Errorf("my.cnf line %d: option %q before any [group]", i+1, line)
		case !mysqldGroups[group]:
			continue
		}
		name, value := splitOption(line)
		if repeatable[name] && opts[name] != "" {
			value = opts[name] + "," + value
		}
		opts[name] = value
	}
	return nil
}

// splitOption splits "name = value # comment" and unquotes the value.
func splitOption(line string) (name, value string) {
	name, value, hasValue := strings.Cut(line, "=")
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	if !hasValue {
		return name, "ON"
	}
	value = strings.TrimSpace(stripComment(value))
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return name, value
}

// stripComment drops a '#' comment that starts outside quotes.
func stripComment(v string) string {
	var quote byte
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return v[:i]
		}
	}
	return v
}
