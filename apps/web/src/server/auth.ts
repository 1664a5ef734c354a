/**
 * Auth.js (next-auth v5) with JWT sessions: email + password (argon2id, checked by packages/api) and, when
 * OIDC_* are set, one OpenID Connect provider whose users are upserted by email.
 */
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { Provider } from "next-auth/providers";
import { upsertOidcUser, verifyPassword } from "@whetstone/api";
import { env, oidcEnabled } from "../env";
import { getDeps } from "./deps";

function providers(): Provider[] {
  const list: Provider[] = [
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw) {
        const email = typeof raw?.email === "string" ? raw.email.trim().toLowerCase() : "";
        const password = typeof raw?.password === "string" ? raw.password : "";
        if (!email || !password) return null;
        const { prisma } = await getDeps();
        const user = await verifyPassword(prisma, email, password);
        if (!user) return null;
        return { id: user.id, email: user.email, name: user.name ?? null };
      },
    }),
  ];
  if (oidcEnabled()) {
    const e = env();
    list.push({
      id: "oidc",
      name: e.OIDC_NAME,
      type: "oidc",
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
    });
  }
  return list;
}

function config(): NextAuthConfig {
  const e = env();
  return {
    secret: e.AUTH_SECRET,
    trustHost: e.AUTH_TRUST_HOST,
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/sign-in" },
    providers: providers(),
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider === "oidc") {
          const email = typeof profile?.email === "string" ? profile.email : null;
          // Only a verified address may claim an account by email.
          if (!email || profile?.email_verified === false) return false;
        }
        return true;
      },
      async jwt({ token, user, account, profile }) {
        if (account?.provider === "oidc" && typeof profile?.email === "string") {
          const { prisma } = await getDeps();
          const u = await upsertOidcUser(prisma, {
            email: profile.email.toLowerCase(),
            name: typeof profile.name === "string" ? profile.name : null,
          });
          token.uid = u.id;
          token.email = u.email;
          token.name = u.name ?? null;
        } else if (user?.id) {
          token.uid = user.id;
        }
        return token;
      },
      async session({ session, token }) {
        if (typeof token.uid === "string") session.user.id = token.uid;
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());
