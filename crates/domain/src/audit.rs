//! The audit log's events: who did what to accounts, roles and tokens.

use serde::{Deserialize, Serialize};

code_enum!(
    /// What happened. Logins are a person's (shown to the admins of every organisation the person is a
    /// member of); the others belong to one organisation.
    AuditKind {
        Login = "login" / "ingelogd" / "logged in",
        LoginFailed = "login_failed" / "inloggen mislukt" / "login failed",
        Logout = "logout" / "uitgelogd" / "logged out",
        SessionEnded = "session_ended" / "sessie beëindigd" / "session ended",
        PasswordChanged = "password_changed" / "wachtwoord gewijzigd" / "password changed",
        PasswordReset = "password_reset" / "wachtwoord hersteld met een link" / "password reset with a link",
        TemporaryPassword = "temporary_password" / "tijdelijk wachtwoord gezet door een beheerder" / "temporary password set by an admin",
        RoleGranted = "role_granted" / "rol gegeven" / "role granted",
        RoleRevoked = "role_revoked" / "rol ingetrokken" / "role revoked",
        InvitationSent = "invitation_sent" / "uitnodiging verstuurd" / "invitation sent",
        InvitationAccepted = "invitation_accepted" / "uitnodiging aangenomen" / "invitation accepted",
        InvitationDeclined = "invitation_declined" / "uitnodiging afgewezen" / "invitation declined",
        InvitationWithdrawn = "invitation_withdrawn" / "uitnodiging ingetrokken" / "invitation withdrawn",
        TokenCreated = "token_created" / "API-token gemaakt" / "API token created",
        TokenRevoked = "token_revoked" / "API-token ingetrokken" / "API token revoked",
        SecondFactorEnabled = "second_factor_enabled" / "tweestapsverificatie aangezet" / "second factor turned on",
        SecondFactorDisabled = "second_factor_disabled" / "tweestapsverificatie uitgezet" / "second factor turned off",
        RecoveryCodeUsed = "recovery_code_used" / "herstelcode gebruikt" / "recovery code used",
        SecondFactorRequired = "second_factor_required" / "tweestapsverificatie verplicht gesteld of vrijgelaten" / "second factor required or no longer required",
        PasskeyAdded = "passkey_added" / "passkey toegevoegd" / "passkey added",
        PasskeyRemoved = "passkey_removed" / "passkey verwijderd" / "passkey removed",
        SsoRequired = "sso_required" / "inloggen via de eigen identiteitsprovider verplicht gesteld of vrijgelaten" / "login through the own identity provider required or no longer required",
        SsoUnpinned = "sso_unpinned" / "koppeling met de persoon bij een identiteitsprovider losgemaakt" / "link with the person at an identity provider undone",
        PreviewShared = "preview_shared" / "voorbeeldlink van een registratie gemaakt" / "preview link of a registration made",
    }
);
