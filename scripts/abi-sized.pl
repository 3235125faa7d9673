#!/usr/bin/perl
# abi-sized.pl BASELINE.abi NAMES < CURRENT.abi > CURRENT-CUT.abi: the growth rule of the
# structs named in NAMES (a regex alternation: the structs of include/eddy.h whose first member
# is `uint32_t size`). For each such struct of CURRENT (abidw XML, one element per line) that has
# more data members than in BASELINE, drop the members past BASELINE's count and restore
# BASELINE's size, so that abidiff then compares only the members the baseline knew: fields
# appended at the end vanish, while a field inserted, removed, reordered or resized before the
# end still shows. A struct used by value (a parameter, a return value, a member of another type)
# is left as it is: growing it breaks callers, and abidiff reports it.
# libabigail's own `has_data_member_inserted_at = end` suppression also hid a reordering of
# same-size members (libabigail 2.2), hence this script.
use strict;
use warnings;

my ($base_file, $names) = @ARGV;
my $name_re = qr/^\s*<class-decl name='((?:$names))' size-in-bits='(\d+)'.*[^\/]>\s*$/;

# Reads the lines of one class-decl (its opening line already read): the member count at the
# top level, and the lines themselves.
sub read_class {
    my ($fh, $open) = @_;
    my @lines = ($open);
    my ($depth, $members) = (0, 0);
    while (my $l = <$fh>) {
        push @lines, $l;
        if ($l =~ /^\s*<class-decl\b.*[^\/]>\s*$/ || $l =~ /^\s*<union-decl\b.*[^\/]>\s*$/) {
            $depth++;
        } elsif ($l =~ /^\s*<\/(?:class|union)-decl>/) {
            last if $depth == 0;
            $depth--;
        } elsif ($depth == 0 && $l =~ /^\s*<data-member\b/) {
            $members++;
        }
    }
    return ($members, \@lines);
}

my (%count, %size);
open(my $b, '<', $base_file) or die "$base_file: $!";
while (my $l = <$b>) {
    next unless $l =~ $name_re;
    my ($name, $bits) = ($1, $2);
    my ($members) = read_class($b, $l);
    ($count{$name}, $size{$name}) = ($members, $bits);
}
close($b);

# Read CURRENT whole: find the ids of the sized structs (and their typedefs), then whether any is
# used by value.
my @cur = <STDIN>;
my (%id_of, %by_value);
for (@cur) {
    $id_of{$1} = $1 if /^\s*<class-decl name='(?:$names)'.*\bid='([^']+)'.*[^\/]>\s*$/;
}
for (@cur) {
    $id_of{$2} = $1 if /^\s*<typedef-decl name='(?:$names)' type-id='([^']+)'.*\bid='([^']+)'/ && $id_of{$1};
}
for (@cur) {
    next unless /^\s*<(?:parameter|return|var-decl)\b.*\btype-id='([^']+)'/;
    $by_value{$id_of{$1}} = 1 if $id_of{$1};
}

my $i = 0;
while ($i < @cur) {
    my $l = $cur[$i++];
    my ($name, $id);
    if ($l =~ $name_re) {
        $name = $1;
        ($id) = $l =~ /\bid='([^']+)'/;
    }
    if (!defined $name || !defined $count{$name} || $by_value{$id}) {
        print $l;
        next;
    }
    # The class's lines up to its closing tag, each marked with the top-level member it is in.
    my ($depth, $members, @body, @member_of) = (0, 0);
    while ($i < @cur) {
        my $m = $cur[$i++];
        if ($depth == 0 && $m =~ /^\s*<\/(?:class|union)-decl>/) {
            push @body, $m;
            push @member_of, 0;
            last;
        }
        $members++ if $depth == 0 && $m =~ /^\s*<data-member\b/;
        $depth++ if $m =~ /^\s*<(?:class|union)-decl\b.*[^\/]>\s*$/;
        $depth-- if $m =~ /^\s*<\/(?:class|union)-decl>/;
        push @body, $m;
        push @member_of, $members;
    }
    # Only a struct that grew is cut; one that kept or lost members is compared as it is.
    if ($members <= $count{$name}) {
        print $l, @body;
        next;
    }
    (my $open = $l) =~ s/size-in-bits='\d+'/size-in-bits='$size{$name}'/;
    print $open;
    for my $k (0 .. $#body) {
        print $body[$k] if $member_of[$k] <= $count{$name};
    }
}
