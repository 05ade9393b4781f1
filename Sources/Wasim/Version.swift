/// Wasim's version, as `wasim --version` and the server's `/v1/info` report it.
public let wasimVersion = "0.1.0"
