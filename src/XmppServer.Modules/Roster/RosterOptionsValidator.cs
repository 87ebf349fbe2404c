using Microsoft.Extensions.Options;

namespace XmppServer.Modules.Roster;

/// <summary>Checks the [Range] limits of <see cref="RosterOptions"/> at start-up.</summary>
[OptionsValidator]
public sealed partial class RosterOptionsValidator : IValidateOptions<RosterOptions>;
