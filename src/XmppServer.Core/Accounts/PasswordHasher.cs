namespace XmppServer.Core.Accounts;

/// <summary>Derives what is stored of a password (salted SCRAM keys) and checks a password against it.</summary>
public static class PasswordHasher
{
    /// <summary>Prepares the password (RFC 8265 OpaqueString), draws a random salt and derives both SCRAM key pairs.</summary>
    public static StoredCredentials Create(string password, int iterations)
        => throw new NotImplementedException();

    /// <summary>True when <paramref name="password"/> matches; compares in constant time. Used by PLAIN.</summary>
    public static bool Verify(StoredCredentials credentials, string password)
        => throw new NotImplementedException();
}
