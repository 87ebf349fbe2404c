namespace XmppServer.Core.Accounts;

/// <summary>
/// What is kept of a password: SCRAM keys for SHA-1 and SHA-256 with their salt and iteration count (RFC 5802 §3),
/// never the password itself.
/// </summary>
public sealed record StoredCredentials(
    int Iterations,
    byte[] Salt,
    byte[] Sha1StoredKey,
    byte[] Sha1ServerKey,
    byte[] Sha256StoredKey,
    byte[] Sha256ServerKey);
