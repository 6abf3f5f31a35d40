package pipeline

// Consumer is a named identity from the config's consumers, resolved by an
// authentication policy. It is shared and read-only.
type Consumer struct {
	Name   string
	Groups []string
}

// InGroup reports whether c belongs to group.
func (c *Consumer) InGroup(group string) bool {
	if c == nil {
		return false
	}
	for _, g := range c.Groups {
		if g == group {
			return true
		}
	}
	return false
}
